import Foundation

/// A rotary handpiece and its cartridge, as `Hardware/handpieces/<model>.json` defines them.
///
/// Every number in the file carries its provenance (`[S]` sourced, `[E]` engineering estimate) next to it.
public struct HandpieceDefinition: Codable, Equatable, Sendable {
    /// The only file format this loader understands.
    public static let formatTag = "smpctl-handpiece/1"

    /// A number with where it comes from.
    public struct Sourced: Codable, Equatable, Sendable {
        public var value: Double
        public var provenance: String
    }

    /// The cartridge's needle grouping.
    public struct Needle: Codable, Equatable, Sendable {
        /// Grouping as clinics write it, e.g. `3RL`.
        public var group: String
        /// Number of needles in the group.
        public var count: Int
        /// Diameter of one needle.
        public var diameterMM: Double
        public var provenance: String

        enum CodingKeys: String, CodingKey {
            case group, count, provenance
            case diameterMM = "diameter_mm"
        }
    }

    public var format: String
    public var model: String
    /// Full needle travel per cam revolution.
    public var strokeLengthMM: Sourced
    /// Crank radius over link length of the cam's slider-crank; 0 is a pure sinusoid.
    public var crankRodRatio: Sourced
    /// First-order lag of motor speed behind its drive.
    public var motorTimeConstantMS: Sourced
    /// How much the cartridge membrane shortens the hang.
    public var membraneLossMM: Sourced
    public var needle: Needle

    enum CodingKeys: String, CodingKey {
        case format, model, needle
        case strokeLengthMM = "stroke_length_mm"
        case crankRodRatio = "crank_rod_ratio"
        case motorTimeConstantMS = "motor_time_constant_ms"
        case membraneLossMM = "membrane_loss_mm"
    }

    /// Loads and validates a handpiece file; errors name `path` and the field.
    public static func load(from path: String) throws(SimulatorInputError) -> HandpieceDefinition {
        let handpiece = try JSONFileLoader.load(HandpieceDefinition.self, from: path)
        try handpiece.validate(source: path)
        return handpiece
    }

    /// Decodes and validates a handpiece definition from bytes; `source` names them in errors.
    public static func decode(_ data: Data, source: String) throws(SimulatorInputError) -> HandpieceDefinition {
        let handpiece = try JSONFileLoader.decode(HandpieceDefinition.self, from: data, source: source)
        try handpiece.validate(source: source)
        return handpiece
    }

    /// Checks physical plausibility; ranges are wide enough for any rotary cartridge on the market.
    public func validate(source: String) throws(SimulatorInputError) {
        let check = DefinitionValidator(source: source)
        try check.require(
            format == Self.formatTag, "format", "expected \"\(Self.formatTag)\", got \"\(format)\"")
        try check.within(strokeLengthMM.value, 0.5...8, "stroke_length_mm.value")
        try check.within(crankRodRatio.value, 0...0.5, "crank_rod_ratio.value")
        try check.within(motorTimeConstantMS.value, 1...1000, "motor_time_constant_ms.value")
        try check.within(membraneLossMM.value, 0...2, "membrane_loss_mm.value")
        try check.require(
            (1...50).contains(needle.count), "needle.count", "expected 1...50 needles, got \(needle.count)")
        try check.within(needle.diameterMM, 0.1...0.5, "needle.diameter_mm")
    }

    /// The reference handpiece's values, for tests and for runs that name no file (same numbers as
    /// `Hardware/handpieces/rotary-r1.json`).
    public static let rotaryR1 = HandpieceDefinition(
        format: formatTag, model: "rotary-r1",
        strokeLengthMM: Sourced(value: 3.5, provenance: "[S] 2.5-4.0 mm range, mid-range pick [E]"),
        crankRodRatio: Sourced(value: 0.2, provenance: "[E]"),
        motorTimeConstantMS: Sourced(value: 45, provenance: "[E] 30-60 ms"),
        membraneLossMM: Sourced(value: 0.3, provenance: "[S] 0.2-0.5 mm"),
        needle: Needle(group: "3RL", count: 3, diameterMM: 0.25, provenance: "[S] 0803RL"))
}
