import Foundation

/// A rotary handpiece and the cartridge the simulator fits by default, as `Hardware/handpieces/<model>.json`
/// defines them.
///
/// Every number in the file carries its provenance (`[S]` sourced, `[E]` engineering estimate) next to it. Read
/// as strictly as a board file: every key required, unknown keys refused, every value in range.
public struct HandpieceDefinition: Encodable, Hashable, Sendable {
    /// The only file format this reader understands.
    public static let formatTag = "smpctl-handpiece/1"

    /// A number with where it comes from.
    public struct Sourced: Encodable, Hashable, Sendable {
        public var value: Double
        public var provenance: String

        public init(value: Double, provenance: String) {
            self.value = value
            self.provenance = provenance
        }
    }

    /// The fitted cartridge's needle grouping.
    public struct Needle: Encodable, Hashable, Sendable {
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

        public init(group: String, count: Int, diameterMM: Double, provenance: String) {
            self.group = group
            self.count = count
            self.diameterMM = diameterMM
            self.provenance = provenance
        }

        /// The name of this cartridge in the catalogue (`Hardware/cartridges.json`), e.g. `3RL 0.25`.
        public var cartridgeName: String { CartridgeDefinition.name(group: group, diameterMM: diameterMM) }
    }

    public var format: String
    public var model: String
    public var description: String
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
        case format, model, description, needle
        case strokeLengthMM = "stroke_length_mm"
        case crankRodRatio = "crank_rod_ratio"
        case motorTimeConstantMS = "motor_time_constant_ms"
        case membraneLossMM = "membrane_loss_mm"
    }

    public init(
        format: String = HandpieceDefinition.formatTag, model: String, description: String, strokeLengthMM: Sourced,
        crankRodRatio: Sourced, motorTimeConstantMS: Sourced, membraneLossMM: Sourced, needle: Needle
    ) {
        self.format = format
        self.model = model
        self.description = description
        self.strokeLengthMM = strokeLengthMM
        self.crankRodRatio = crankRodRatio
        self.motorTimeConstantMS = motorTimeConstantMS
        self.membraneLossMM = membraneLossMM
        self.needle = needle
    }

    /// Reads and validates the handpiece file at `path`; errors name `path` and the field.
    public static func load(from path: String) throws(HardwareDefinitionError) -> HandpieceDefinition {
        try read(DefinitionNode.read(file: path))
    }

    /// Reads and validates a handpiece definition from bytes; `source` names them in errors.
    public static func decode(_ data: Data, source: String) throws(HardwareDefinitionError) -> HandpieceDefinition {
        try read(DefinitionNode.parse(data, file: source))
    }

    private static func read(_ root: DefinitionNode) throws(HardwareDefinitionError) -> HandpieceDefinition {
        let top = try root.object(required: [
            "format", "model", "description", "stroke_length_mm", "crank_rod_ratio", "motor_time_constant_ms",
            "membrane_loss_mm", "needle",
        ])
        _ = try top["format"].string(equalTo: formatTag)
        func sourced(_ key: String) throws(HardwareDefinitionError) -> Sourced {
            let node = try top[key].object(required: ["value", "provenance"])
            return Sourced(value: try node["value"].number(), provenance: try node["provenance"].string())
        }
        let needleNode = try top["needle"].object(required: ["group", "count", "diameter_mm", "provenance"])
        let handpiece = HandpieceDefinition(
            model: try top["model"].string(maximumBytes: 64),
            description: try top["description"].string(),
            strokeLengthMM: try sourced("stroke_length_mm"),
            crankRodRatio: try sourced("crank_rod_ratio"),
            motorTimeConstantMS: try sourced("motor_time_constant_ms"),
            membraneLossMM: try sourced("membrane_loss_mm"),
            needle: Needle(
                group: try needleNode["group"].string(maximumBytes: 16),
                count: try needleNode["count"].integer(),
                diameterMM: try needleNode["diameter_mm"].number(),
                provenance: try needleNode["provenance"].string()))
        try handpiece.validate(file: root.file)
        return handpiece
    }

    /// Checks physical plausibility; ranges are wide enough for any rotary cartridge on the market.
    public func validate(file: String) throws(HardwareDefinitionError) {
        func within(_ value: Double, _ range: ClosedRange<Double>, _ path: String, _ unit: String)
            throws(HardwareDefinitionError)
        {
            guard value.isFinite, range.contains(value) else {
                throw HardwareDefinitionError(
                    .badData, file: file, path: path, found: decimalText(value),
                    expected:
                        "a number from \(decimalText(range.lowerBound)) to \(decimalText(range.upperBound))\(unit)")
            }
        }
        guard format == Self.formatTag else {
            throw HardwareDefinitionError(
                .badData, file: file, path: "format", found: "\"\(format)\"", expected: "\"\(Self.formatTag)\"")
        }
        try within(strokeLengthMM.value, 0.5...8, "stroke_length_mm.value", " mm")
        try within(crankRodRatio.value, 0...0.5, "crank_rod_ratio.value", "")
        try within(motorTimeConstantMS.value, 1...1000, "motor_time_constant_ms.value", " ms")
        try within(membraneLossMM.value, 0...2, "membrane_loss_mm.value", " mm")
        guard (1...50).contains(needle.count) else {
            throw HardwareDefinitionError(
                .badData, file: file, path: "needle.count", found: String(needle.count), expected: "1...50 needles")
        }
        try within(needle.diameterMM, 0.1...0.5, "needle.diameter_mm", " mm")
    }
}
