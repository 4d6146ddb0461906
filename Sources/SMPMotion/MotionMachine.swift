import SMPHardware

/// What the motion model needs to know about a board and its handpiece: the axes' limits, the resolutions the
/// board rounds to, the clearance it enforces, the motor's range and lag, and the firmware's timing constants.
///
/// Every number is the board's or the handpiece's nominal value, never a measurement of the patient. The board's
/// numbers come from its definition (`Hardware/smp-driver-r1/board.json`, the same figures its hello reports, among
/// them the least lift `min_clearance_um`, 150 µm on r1); the motor's lag comes from the handpiece's definition
/// (`Hardware/handpieces/<model>.json`).
public struct MotionMachine: Sendable, Equatable {
    /// How the board executes a dot's hop (Docs/Protocol.md §10).
    public enum HopExecution: Sendable, Equatable {
        /// Protocol v1: X and Y each in minimum time under its own limits; Z goes to the lift height while they move.
        case independentAxes
        /// Protocol v2: Z first rises to the hop height if that is higher than Z (X/Y wait; Z never descends for
        /// a hop), then X/Y in a straight line under the lesser of the two axes' limits.
        case straightLineAfterRaise
    }

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

    public var hopExecution: HopExecution
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
        hopExecution: HopExecution = .straightLineAfterRaise, boardModel: String, handpieceModel: String, x: Axis,
        y: Axis, z: Axis, travelXMM: Double, travelYMM: Double,
        zRangeMM: ClosedRange<Double>, positionResolutionMM: Double, zResolutionMM: Double, hangCeilingMM: Double,
        retractClearanceMM: Double, minClearanceMM: Double, motorRangeHz: ClosedRange<Double>, maxStrokesPerDot: Int,
        motorTimeConstantS: Double,
        phaseLockMarginS: Double = 50e-6, boardRateTolerance: Double = 0.02, settledRateFraction: Double = 0.01,
        cartridgeChangeS: Double = 60
    ) {
        self.hopExecution = hopExecution
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

    /// Where Z rests at power-up and after a touch-off (hang coordinates, mm): the top of travel on a v2 board, the
    /// retract clearance above the contact plane on a v1 board.
    public var restingZMM: Double {
        hopExecution == .straightLineAfterRaise ? zRangeMM.lowerBound : -retractClearanceMM
    }

    /// The limits of a straight-line hop: the lesser of the X and Y axes'.
    public var straightLine: Axis {
        Axis(maxSpeed: min(x.maxSpeed, y.maxSpeed), maxAcceleration: min(x.maxAcceleration, y.maxAcceleration))
    }

    /// smp-driver-r1 with the rotary-r1 handpiece, executing dots as protocol v2 says.
    public static let r1 = MotionMachine(board: .r1, handpiece: .rotaryR1)

    /// The motion numbers of a board and handpiece definition; `minClearanceMM` is the least lift the connected
    /// board's hello announces (`min_clearance_um`), the definition's own value when nil.
    public init(
        board: BoardDefinition, handpiece: HandpieceDefinition, minClearanceMM: Double? = nil,
        hopExecution: HopExecution = .straightLineAfterRaise
    ) {
        let axes = board.axes
        self.init(
            hopExecution: hopExecution, boardModel: board.model, handpieceModel: handpiece.model,
            x: Axis(maxSpeed: axes.x.maxSpeedMMPerS, maxAcceleration: axes.x.maxAccelMMPerS2),
            y: Axis(maxSpeed: axes.y.maxSpeedMMPerS, maxAcceleration: axes.y.maxAccelMMPerS2),
            z: Axis(maxSpeed: axes.z.maxSpeedMMPerS, maxAcceleration: axes.z.maxAccelMMPerS2),
            travelXMM: axes.x.travelMM, travelYMM: axes.y.travelMM, zRangeMM: board.hangRangeMM,
            positionResolutionMM: Double(axes.x.resolutionUM) / 1000,
            zResolutionMM: Double(axes.z.resolutionUM) / 1000, hangCeilingMM: board.hangCeilingMM,
            retractClearanceMM: board.retractClearanceMM,
            minClearanceMM: minClearanceMM ?? Double(board.minClearanceUM) / 1000,
            motorRangeHz: board.motor.minHz...board.motor.maxHz, maxStrokesPerDot: board.maxStrokesPerDot,
            motorTimeConstantS: handpiece.motorTimeConstantMS.value / 1000)
    }
}
