import Foundation
import SMPHardware

/// Ground truth of one stroke bottom of a dot (touching the skin or not). Only the simulator's API and its truth
/// file carry this.
public struct StrokeTruth: Codable, Equatable, Sendable {
    /// Board time of the stroke's bottom (µs).
    public var boardTimeMicros: UInt64
    /// Where the needle was (mm).
    public var xMM: Double
    public var yMM: Double
    /// Axis Z at the bottom (hang coordinates, mm).
    public var zMM: Double
    /// Z plus the true surface height there: the hang the skin really met.
    public var localHangMM: Double
    /// Deepest intrusion past the undisturbed surface (<= 0: the stroke did not reach the skin).
    public var intrusionMM: Double
    /// Motor rate at the bottom (Hz).
    public var rateHz: Double
    public var punctured: Bool
    /// True load peak and what the sensor reported.
    public var peakLoadN: Double
    public var sensedLoadN: Double
    /// Pigment depth below the surface, 0 if the stroke did not puncture.
    public var depositDepthMM: Double
    /// Sideways needle travel while in the skin.
    public var smearMM: Double
    /// True when the tip went past the undisturbed skin surface.
    public var touchesSkin: Bool { intrusionMM > 0 }

    /// Axis Z within the full-depth tolerance of the dot's executed Z.
    public var fullDepth: Bool
    /// True for the strokes the board counted: the full-depth bottoms, up to the commanded number.
    public var counted: Bool

    init(_ event: StrokeEvent, counted: Bool, fullDepth: Bool) {
        boardTimeMicros = UInt64((event.timeS * 1_000_000).rounded())
        xMM = event.x
        yMM = event.y
        zMM = event.zMM
        localHangMM = event.localHangMM
        intrusionMM = event.intrusionMM
        rateHz = event.rateHz
        self.fullDepth = fullDepth
        punctured = event.outcome.punctured
        peakLoadN = event.outcome.peakLoadN
        sensedLoadN = event.sensedLoadN
        depositDepthMM = event.outcome.depositDepthMM
        smearMM = event.smearMM
        self.counted = counted
    }

    enum CodingKeys: String, CodingKey {
        case boardTimeMicros = "board_time_micros"
        case xMM = "x_mm"
        case yMM = "y_mm"
        case zMM = "z_mm"
        case localHangMM = "local_hang_mm"
        case intrusionMM = "intrusion_mm"
        case rateHz = "rate_hz"
        case fullDepth = "full_depth"
        case punctured = "punctured"
        case peakLoadN = "peak_load_n"
        case sensedLoadN = "sensed_load_n"
        case depositDepthMM = "deposit_depth_mm"
        case smearMM = "smear_mm"
        case counted = "counted"
    }
}

/// Ground truth of one dot: where its strokes landed, how deep the pigment went, and whether that is a problem.
public struct DotTruth: Codable, Equatable, Sendable {
    public var dotID: UInt32
    /// What the host commanded.
    public var commandedXMM: Double
    public var commandedYMM: Double
    public var commandedHangMM: Double
    public var strokesCommanded: Int
    /// Strokes the board counted and reported.
    public var strokesCounted: Int
    /// How the board reported the dot: `completed`, `interrupted`, `rejected` or `discarded` (`lost_in_reset`
    /// when a brown-out took its report).
    public var outcome: String
    /// Board time the dot started executing and ended (µs); both the record's time for a dot that never started.
    public var startBoardTimeMicros: UInt64
    public var endBoardTimeMicros: UInt64
    /// The true skin height at the commanded site (hang coordinates, mm), and the board's map there (nil: none).
    public var trueSurfaceMM: Double
    public var boardSurfaceMM: Double?
    /// The axis Z the board executed for the dot's bottom (nil if it never computed one).
    public var executedZMM: Double?
    /// Board time Z started down towards the skin (nil: its dip never started).
    public var dipStartBoardTimeMicros: UInt64?
    /// Every stroke bottom while the dot ran, in time order, and skin contacts while it retracted after a fault.
    public var strokes: [StrokeTruth]
    /// Deepest pigment of the dot (0 if nothing punctured): what blurs and migrates.
    public var depositDepthMM: Double
    /// Mean pigment depth over the punctured strokes (0 if none).
    public var meanDepositDepthMM: Double
    /// Largest distance between two punctures of the dot, or a stroke's own smear, whichever is larger.
    public var smearMM: Double
    public var region: ScalpRegion
    /// Deposit window for this patient's skin here (type target shifted by the regional modifier).
    public var targetLowerMM: Double
    public var targetUpperMM: Double
    /// Deeper than the window: blowout risk, bleeding sign.
    public var tooDeep: Bool
    /// Shallower than the window, or no puncture at all: will fade.
    public var tooShallow: Bool
    /// DOMAIN.md's absolute thresholds [S]: deposits under 0.5 mm fade within weeks, over 1.5 mm migrate.
    /// Independent of the skin type's window, which for thin skin lies partly below 0.5 mm.
    public var fadeRisk: Bool
    public var migrationRisk: Bool

    /// Deposits shallower than this fade within weeks [S, DOMAIN.md].
    public static let fadeDepthMM = 0.5
    /// Deposits deeper than this migrate [S, DOMAIN.md].
    public static let migrationDepthMM = 1.5

    /// Summarises `strokes` of a dot; `tissue` is the tissue at the commanded site.
    init(
        dotID: UInt32, commandedXMM: Double, commandedYMM: Double, commandedHangMM: Double, strokesCommanded: Int,
        strokesCounted: Int, outcome: String, start: UInt64, end: UInt64, boardSurfaceMM: Double?,
        executedZMM: Double?, dipStart: UInt64?, strokes: [StrokeTruth], tissue: LocalTissue
    ) {
        dipStartBoardTimeMicros = dipStart
        self.dotID = dotID
        self.commandedXMM = commandedXMM
        self.commandedYMM = commandedYMM
        self.commandedHangMM = commandedHangMM
        self.strokesCommanded = strokesCommanded
        self.strokesCounted = strokesCounted
        self.outcome = outcome
        startBoardTimeMicros = start
        endBoardTimeMicros = end
        trueSurfaceMM = tissue.surfaceHeightMM
        self.boardSurfaceMM = boardSurfaceMM
        self.executedZMM = executedZMM
        self.strokes = strokes
        let punctures = strokes.filter(\.punctured)
        depositDepthMM = punctures.map(\.depositDepthMM).max() ?? 0
        meanDepositDepthMM =
            punctures.isEmpty ? 0 : punctures.map(\.depositDepthMM).reduce(0, +) / Double(punctures.count)
        var spread = strokes.map(\.smearMM).max() ?? 0
        for (index, first) in punctures.enumerated() {
            for second in punctures[(index + 1)...] {
                let dx = first.xMM - second.xMM
                let dy = first.yMM - second.yMM
                spread = max(spread, (dx * dx + dy * dy).squareRoot())
            }
        }
        smearMM = spread
        region = tissue.region
        targetLowerMM = tissue.depositTargetMM.lowerBound
        targetUpperMM = tissue.depositTargetMM.upperBound
        tooDeep = depositDepthMM > tissue.depositTargetMM.upperBound
        tooShallow = depositDepthMM < tissue.depositTargetMM.lowerBound
        fadeRisk = depositDepthMM < Self.fadeDepthMM
        migrationRisk = depositDepthMM > Self.migrationDepthMM
    }

    /// The same dot with `strokes` (skin contacts added while it retracted).
    func replacingStrokes(_ strokes: [StrokeTruth], tissue: LocalTissue) -> DotTruth {
        DotTruth(
            dotID: dotID, commandedXMM: commandedXMM, commandedYMM: commandedYMM, commandedHangMM: commandedHangMM,
            strokesCommanded: strokesCommanded, strokesCounted: strokesCounted, outcome: outcome,
            start: startBoardTimeMicros, end: endBoardTimeMicros, boardSurfaceMM: boardSurfaceMM,
            executedZMM: executedZMM, dipStart: dipStartBoardTimeMicros, strokes: strokes, tissue: tissue)
    }

    enum CodingKeys: String, CodingKey {
        case dotID = "dot_id"
        case commandedXMM = "commanded_x_mm"
        case commandedYMM = "commanded_y_mm"
        case commandedHangMM = "commanded_hang_mm"
        case strokesCommanded = "strokes_commanded"
        case strokesCounted = "strokes_counted"
        case outcome = "outcome"
        case startBoardTimeMicros = "start_board_time_micros"
        case endBoardTimeMicros = "end_board_time_micros"
        case trueSurfaceMM = "true_surface_mm"
        case boardSurfaceMM = "board_surface_mm"
        case executedZMM = "executed_z_mm"
        case dipStartBoardTimeMicros = "dip_start_board_time_micros"
        case strokes = "strokes"
        case depositDepthMM = "deposit_depth_mm"
        case meanDepositDepthMM = "mean_deposit_depth_mm"
        case smearMM = "smear_mm"
        case region = "region"
        case targetLowerMM = "target_lower_mm"
        case targetUpperMM = "target_upper_mm"
        case tooDeep = "too_deep"
        case tooShallow = "too_shallow"
        case fadeRisk = "fade_risk"
        case migrationRisk = "migration_risk"
    }
}

/// A fault the board raised, as the truth file records it.
public struct FaultTruth: Codable, Equatable, Sendable {
    public var boardTimeMicros: UInt64
    public var code: String
    public var dotID: UInt32
    public var value: Int64

    public init(boardTimeMicros: UInt64, code: String, dotID: UInt32, value: Int64) {
        self.boardTimeMicros = boardTimeMicros
        self.code = code
        self.dotID = dotID
        self.value = value
    }

    enum CodingKeys: String, CodingKey {
        case boardTimeMicros = "board_time_micros"
        case code = "code"
        case dotID = "dot_id"
        case value = "value"
    }
}

/// Ground truth of one touch-off: what the board reported against where the skin really was, and the proof that it
/// did not puncture.
public struct TouchOffTruth: Codable, Equatable, Sendable {
    public var boardTimeMicros: UInt64
    public var xMM: Double
    public var yMM: Double
    /// Grid node the result was stored as, nil if none.
    public var node: Int?
    /// `contact`, `no_contact` or `force_limit`.
    public var outcome: String
    /// True skin height (hang coordinates, mm) and the axis Z where the tip met it (its negation).
    public var trueSurfaceMM: Double
    /// What the board reported as the contact Z (mm).
    public var reportedContactZMM: Double
    /// Highest load on the still needle (N), and the cartridge's puncture force there (N).
    public var peakLoadN: Double
    public var punctureForceN: Double
    /// Deepest tip position past the undisturbed surface (mm).
    public var deepestIntrusionMM: Double
    public var punctured: Bool

    enum CodingKeys: String, CodingKey {
        case boardTimeMicros = "board_time_micros"
        case xMM = "x_mm"
        case yMM = "y_mm"
        case node
        case outcome
        case trueSurfaceMM = "true_surface_mm"
        case reportedContactZMM = "reported_contact_z_mm"
        case peakLoadN = "peak_load_n"
        case punctureForceN = "puncture_force_n"
        case deepestIntrusionMM = "deepest_intrusion_mm"
        case punctured
    }
}

/// Ground truth of one retraction the board commands at once, a hold or the safe state: what the needle was doing
/// when the board acted, and when its tip left the skin for good. What a hold's or a lost host's latency is graded
/// on (Docs/Performance.md, Docs/Safety.md H3 and H21).
public struct NeedleClearanceTruth: Codable, Equatable, Sendable {
    /// `hold`, or the fault that put the board in the safe state (`watchdog`, `emergency_stop`, `board_reset`, ...).
    public var cause: String
    /// Board time the board acted (µs): when the bytes carrying the hold frame's last byte arrived, or the fault.
    public var boardTimeMicros: UInt64
    /// Board time the host was last heard then (a valid frame or a heartbeat), nil before any.
    public var hostLastHeardBoardTimeMicros: UInt64?
    /// What the board was doing: `idle`, `move`, `touch_off.STAGE` or `dot.STAGE` (the stages of Protocol.md
    /// §10.2 and §10.4: `dot.raise` and `dot.travel` are the hop, `dot.descending`, `dot.stroking` and
    /// `dot.awaitAscent` the dip at depth, `dot.ascending` the rise after the last stroke).
    public var activity: String
    /// The dot in progress (0: none).
    public var dotID: UInt32
    /// How far the tip was past the true skin surface when the board acted (mm; <= 0: out of the skin).
    public var tipDepthMM: Double
    /// How far the stroke's bottom reached past the true skin then (mm; > 0: a stroke could still touch it).
    public var strokeBottomDepthMM: Double
    /// Z's speed then (mm/s, positive going deeper).
    public var zVelocityMMPerS: Double
    /// Board time (µs) from which the tip stays out of the skin under the motion the board commanded then; the board
    /// time it acted when the tip was out and no stroke could reach the skin. Nil when the tip never clears under
    /// that motion, or when a later command changed the motion first (``supersededBoardTimeMicros``).
    public var clearBoardTimeMicros: UInt64?
    /// Board time a later command (a resume, another hold, a fault, a new command) changed the motion before the
    /// needle was clear (nil: none did).
    public var supersededBoardTimeMicros: UInt64?

    /// Time from the board acting to the needle clear (µs), nil when it did not clear.
    public var latencyMicros: UInt64? { clearBoardTimeMicros.map { $0 - boardTimeMicros } }

    enum CodingKeys: String, CodingKey {
        case cause
        case boardTimeMicros = "board_time_micros"
        case hostLastHeardBoardTimeMicros = "host_last_heard_board_time_micros"
        case activity
        case dotID = "dot_id"
        case tipDepthMM = "tip_depth_mm"
        case strokeBottomDepthMM = "stroke_bottom_depth_mm"
        case zVelocityMMPerS = "z_velocity_mm_per_s"
        case clearBoardTimeMicros = "clear_board_time_micros"
        case supersededBoardTimeMicros = "superseded_board_time_micros"
    }
}
