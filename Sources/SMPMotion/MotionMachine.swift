import SMPPlanning

/// What the motion model needs to know about a board and its handpiece: the axes' limits, the resolutions the
/// board rounds to, the clearance it enforces, the motor's range and lag, and the firmware's timing constants.
///
/// Every number is the board's or the handpiece's nominal value, never a measurement of the patient. The board's
/// numbers come from `Hardware/smp-driver-r1/board.json` (and, for the clearance, the board contract: hello field
/// `min_clearance_um`, 150 µm on r1, Docs/Protocol.md); the handpiece's from `Hardware/handpieces/<model>.json`.
public struct MotionMachine: Sendable, Equatable {
    /// One axis's limits.
    public struct Axis: Sendable, Equatable {
        /// Speed limit (mm/s).
        public var maxSpeed: Double
        /// Acceleration limit (mm/s²).
        public var maxAcceleration: Double

        public init(maxSpeed: Double, maxAcceleration: Double) {
            self.maxSpeed = maxSpeed
            self.maxAcceleration = maxAcceleration
        }
    }

    public var boardModel: String
    public var handpieceModel: String
    public var x: Axis
    public var y: Axis
    public var z: Axis
    /// X/Y travel (mm), from 0.
    public var travelXMM: Double
    public var travelYMM: Double
    /// Z travel in hang coordinates (mm): [hang ceiling − Z travel, hang ceiling].
    public var zRangeMM: ClosedRange<Double>
    /// The board rounds X/Y to this (mm).
    public var positionResolutionMM: Double
    /// The board rounds executed Z to this (mm).
    public var zResolutionMM: Double
    /// The deepest local hang the board accepts (mm).
    public var hangCeilingMM: Double
    /// Where the safe state and a touch-off leave Z: this far above the contact plane (mm).
    public var retractClearanceMM: Double
    /// The least lift the board accepts (mm): the needle's stroke bottom this far above the measured surface
    /// between dots keeps it clear of the skin with the surface-map error, the stroke-bottom overshoot and a margin.
    public var minClearanceMM: Double
    /// The motor's accepted stroke rates (Hz).
    public var motorRangeHz: ClosedRange<Double>
    public var maxStrokesPerDot: Int
    /// First-order lag of the motor's speed behind its drive (s), the handpiece's nominal value.
    public var motorTimeConstantS: Double
    /// The firmware's phase-lock margin (s): Z reaches the hang this long before the first counted stroke bottom
    /// and starts up this long after the last.
    public var phaseLockMarginS: Double
    /// The board refuses a dot whose motor is further than this fraction from its rate when the hop ends.
    public var boardRateTolerance: Double
    /// The motion model brings the motor within this fraction of a dot's rate by the board's check: half the
    /// board's tolerance, leaving the other half for the motor's lag differing from its nominal value.
    public var settledRateFraction: Double
    /// Cartridge change allowance (s) [E]: the operator unloads and loads a cartridge, primes pigment, and the board
    /// touches off again (about a minute by hand). Only changes between needle groups count.
    public var cartridgeChangeS: Double

    public init(
        boardModel: String, handpieceModel: String, x: Axis, y: Axis, z: Axis, travelXMM: Double, travelYMM: Double,
        zRangeMM: ClosedRange<Double>, positionResolutionMM: Double, zResolutionMM: Double, hangCeilingMM: Double,
        retractClearanceMM: Double, minClearanceMM: Double, motorRangeHz: ClosedRange<Double>, maxStrokesPerDot: Int,
        motorTimeConstantS: Double,
        phaseLockMarginS: Double = 50e-6, boardRateTolerance: Double = 0.02, settledRateFraction: Double = 0.01,
        cartridgeChangeS: Double = 60
    ) {
        self.boardModel = boardModel
        self.handpieceModel = handpieceModel
        self.x = x
        self.y = y
        self.z = z
        self.travelXMM = travelXMM
        self.travelYMM = travelYMM
        self.zRangeMM = zRangeMM
        self.positionResolutionMM = positionResolutionMM
        self.zResolutionMM = zResolutionMM
        self.hangCeilingMM = hangCeilingMM
        self.retractClearanceMM = retractClearanceMM
        self.minClearanceMM = minClearanceMM
        self.motorRangeHz = motorRangeHz
        self.maxStrokesPerDot = maxStrokesPerDot
        self.motorTimeConstantS = motorTimeConstantS
        self.phaseLockMarginS = phaseLockMarginS
        self.boardRateTolerance = boardRateTolerance
        self.settledRateFraction = settledRateFraction
        self.cartridgeChangeS = cartridgeChangeS
    }

    /// smp-driver-r1 with the rotary-r1 handpiece, mirroring `Hardware/smp-driver-r1/board.json` and
    /// `Hardware/handpieces/rotary-r1.json` (a test checks that they agree); the clearance is the board contract's
    /// r1 value.
    public static let r1 = MotionMachine(planning: .r1)

    /// The motion numbers of a planning board definition with the rotary-r1 handpiece (45 ms motor lag), r1's
    /// resolutions (X/Y 5 µm, Z 1 µm) and r1's 150 µm minimum clearance.
    public init(planning board: BoardDefinition) {
        self.init(
            boardModel: board.model, handpieceModel: "rotary-r1",
            x: Axis(maxSpeed: board.x.maxSpeedMMPerS, maxAcceleration: board.x.maxAccelMMPerS2),
            y: Axis(maxSpeed: board.y.maxSpeedMMPerS, maxAcceleration: board.y.maxAccelMMPerS2),
            z: Axis(maxSpeed: board.z.maxSpeedMMPerS, maxAcceleration: board.z.maxAccelMMPerS2),
            travelXMM: board.x.travelMM, travelYMM: board.y.travelMM,
            zRangeMM: (board.hangCeilingMM - board.z.travelMM)...board.hangCeilingMM, positionResolutionMM: 0.005,
            zResolutionMM: 0.001, hangCeilingMM: board.hangCeilingMM,
            retractClearanceMM: board.retractClearanceMM, minClearanceMM: 0.150,
            motorRangeHz: board.motorMinHz...board.motorMaxHz, maxStrokesPerDot: board.maxStrokesPerDot,
            motorTimeConstantS: 0.045)
    }
}
