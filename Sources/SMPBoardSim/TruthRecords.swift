import Foundation
import SMPHardware

/// Ground truth of one stroke that touched the skin. Only the simulator's API and its truth file carry this.
public struct StrokeTruth: Codable, Equatable, Sendable {
    /// Board time of the stroke's bottom (µs).
    public var boardTimeMicros: UInt64
    /// Where the needle landed (mm).
    public var xMM: Double
    public var yMM: Double
    /// Z plus the surface height there: the hang the skin really met.
    public var localHangMM: Double
    /// Deepest intrusion past the undisturbed surface.
    public var intrusionMM: Double
    public var punctured: Bool
    /// True load peak and what the sensor reported.
    public var peakLoadN: Double
    public var sensedLoadN: Double
    /// Pigment depth below the surface, 0 if the stroke did not puncture.
    public var depositDepthMM: Double
    /// Sideways needle travel while in the skin.
    public var smearMM: Double
    /// True for the strokes the board counted (at full commanded hang); false for strokes on the Z ramps into and
    /// out of the dip, which touch the skin at partial depth.
    public var counted: Bool

    init(_ event: StrokeEvent, counted: Bool) {
        boardTimeMicros = UInt64((event.timeS * 1_000_000).rounded())
        xMM = event.x
        yMM = event.y
        localHangMM = event.localHangMM
        intrusionMM = event.intrusionMM
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
        case localHangMM = "local_hang_mm"
        case intrusionMM = "intrusion_mm"
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
    /// How the board reported the dot: `completed`, `interrupted` or `rejected`.
    public var outcome: String
    /// Every stroke that touched the skin while the dot ran, in time order.
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
    public init(
        dotID: UInt32, commandedXMM: Double, commandedYMM: Double, commandedHangMM: Double, strokesCommanded: Int,
        strokesCounted: Int, outcome: String, strokes: [StrokeTruth], tissue: LocalTissue
    ) {
        self.dotID = dotID
        self.commandedXMM = commandedXMM
        self.commandedYMM = commandedYMM
        self.commandedHangMM = commandedHangMM
        self.strokesCommanded = strokesCommanded
        self.strokesCounted = strokesCounted
        self.outcome = outcome
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

    enum CodingKeys: String, CodingKey {
        case dotID = "dot_id"
        case commandedXMM = "commanded_xmm"
        case commandedYMM = "commanded_ymm"
        case commandedHangMM = "commanded_hang_mm"
        case strokesCommanded = "strokes_commanded"
        case strokesCounted = "strokes_counted"
        case outcome = "outcome"
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
