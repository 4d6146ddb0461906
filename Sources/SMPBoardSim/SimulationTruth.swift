import Foundation

/// What really happened in a simulated run: the file `smpctl sim --truth` writes and a grader reads.
public struct SimulationTruth: Codable, Equatable, Sendable {
    public static let formatTag = "smpctl-truth/3"

    public var format = SimulationTruth.formatTag
    public var seed: UInt64
    public var skinType: SkinType
    public var surface: SimulatedPatient.Surface
    public var boardModel: String
    public var handpieceModel: String
    /// Cartridges fitted during the run, in order (the first is the set-up's).
    public var cartridges: [String]
    public var faultSpec: String
    /// Every dot the board finished, rejected or interrupted, in that order.
    public var dots: [DotTruth]
    /// Strokes that touched the skin while no dot was running (should be none; kept to prove it).
    public var strayStrokes: [StrokeTruth]
    /// Every touch-off, in order.
    public var touchOffs: [TouchOffTruth]
    public var faults: [FaultTruth]
    /// Every hold and every entry into the safe state, in order, with the moment the needle was clear of the skin.
    public var needleClearances: [NeedleClearanceTruth]
    /// The board's crystal: maps the board times above to true time (µs since power-up) for grading timing.
    public var boardClock: BoardClock
    public var summary: SimulationSummary

    /// JSON with sorted keys and snake_case names (spelled out in the coding keys, so that the file reads back).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Reads a truth file written by ``jsonData()``; errors name the file and the field.
    public static func load(from path: String) throws(SimulatorInputError) -> SimulationTruth {
        let truth = try JSONFileLoader.load(SimulationTruth.self, from: path)
        guard truth.format == formatTag else {
            throw SimulatorInputError(
                .data, source: path, field: "format", reason: "expected \"\(formatTag)\", got \"\(truth.format)\"")
        }
        return truth
    }

    enum CodingKeys: String, CodingKey {
        case format = "format"
        case seed = "seed"
        case skinType = "skin_type"
        case surface = "surface"
        case boardModel = "board_model"
        case handpieceModel = "handpiece_model"
        case cartridges = "cartridges"
        case touchOffs = "touch_offs"
        case faultSpec = "fault_spec"
        case dots = "dots"
        case strayStrokes = "stray_strokes"
        case faults = "faults"
        case needleClearances = "needle_clearances"
        case boardClock = "board_clock"
        case summary = "summary"
    }
}

/// Counts over a run, for the CLI summary and the benchmark.
public struct SimulationSummary: Codable, Equatable, Sendable {
    /// Board time elapsed since power-up (the board's clock read ``SimulatedBoard/powerUpTime`` then).
    public var boardTimeMicros: UInt64 = 0
    public var dotsCompleted = 0
    public var dotsInterrupted = 0
    public var dotsRejected = 0
    public var strokesCounted = 0
    /// Strokes that touched the skin, counted or not (ramp strokes, strokes of interrupted dots).
    public var skinContacts = 0
    public var punctures = 0
    public var strayStrokes = 0
    public var dotsDiscarded = 0
    public var touchOffs = 0
    public var touchOffPunctures = 0
    public var dotsTooDeep = 0
    public var dotsTooShallow = 0
    /// Mean over dots with any puncture of their deepest pigment (mm).
    public var meanDepositDepthMM = 0.0
    public var faults = 0
    public var boardResets = 0
    /// Frames the board could not decode (garbage, corruption), counted, never fatal.
    public var frameErrors: UInt64 = 0
    public var bytesReceived: UInt64 = 0
    public var bytesSent: UInt64 = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case boardTimeMicros = "board_time_micros"
        case dotsCompleted = "dots_completed"
        case dotsInterrupted = "dots_interrupted"
        case dotsRejected = "dots_rejected"
        case strokesCounted = "strokes_counted"
        case skinContacts = "skin_contacts"
        case punctures = "punctures"
        case strayStrokes = "stray_strokes"
        case dotsDiscarded = "dots_discarded"
        case touchOffs = "touch_offs"
        case touchOffPunctures = "touch_off_punctures"
        case dotsTooDeep = "dots_too_deep"
        case dotsTooShallow = "dots_too_shallow"
        case meanDepositDepthMM = "mean_deposit_depth_mm"
        case faults = "faults"
        case boardResets = "board_resets"
        case frameErrors = "frame_errors"
        case bytesReceived = "bytes_received"
        case bytesSent = "bytes_sent"
    }
}
