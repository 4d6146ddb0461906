import Foundation

/// One needle cartridge type: its grouping, needle diameter, membrane loss and needle length, with provenance.
public struct CartridgeDefinition: Encodable, Hashable, Sendable {
    /// How much the cartridge membrane shortens the hang of a stroking needle.
    public struct MembraneLoss: Encodable, Hashable, Sendable {
        /// Least loss a cartridge of this type shows.
        public var minMM: Double
        /// Greatest loss a cartridge of this type shows.
        public var maxMM: Double
        /// The value a host assumes before it has measured one.
        public var nominalMM: Double

        enum CodingKeys: String, CodingKey {
            case minMM = "min"
            case maxMM = "max"
            case nominalMM = "nominal"
        }

        public init(minMM: Double, maxMM: Double, nominalMM: Double) {
            self.minMM = minMM
            self.maxMM = maxMM
            self.nominalMM = nominalMM
        }

        /// `minMM...maxMM`.
        public var rangeMM: ClosedRange<Double> { minMM...maxMM }
    }

    /// Catalogue name, e.g. `3RL 0.25`: grouping and needle diameter in mm.
    public var name: String
    /// Grouping as clinics write it, e.g. `3RL` (round liner of 3).
    public var group: String
    /// Needles in the group.
    public var needleCount: Int
    /// Diameter of one needle.
    public var diameterMM: Double
    public var membraneLoss: MembraneLoss
    /// How much further the needle tip reaches than the reference cartridge's at the same Z (positive = longer):
    /// the whole surface map shifts by it when this cartridge is fitted.
    public var needleLengthOffsetMM: Double
    /// Where the numbers come from (`[S]` sourced, `[E]` engineering estimate).
    public var provenance: String

    enum CodingKeys: String, CodingKey {
        case name, group, provenance
        case needleCount = "needle_count"
        case diameterMM = "diameter_mm"
        case membraneLoss = "membrane_loss_mm"
        case needleLengthOffsetMM = "needle_length_offset_mm"
    }

    public init(
        name: String, group: String, needleCount: Int, diameterMM: Double, membraneLoss: MembraneLoss,
        needleLengthOffsetMM: Double, provenance: String
    ) {
        self.name = name
        self.group = group
        self.needleCount = needleCount
        self.diameterMM = diameterMM
        self.membraneLoss = membraneLoss
        self.needleLengthOffsetMM = needleLengthOffsetMM
        self.provenance = provenance
    }

    /// The catalogue name of a grouping and diameter: `3RL 0.25`, `1RL 0.18`.
    public static func name(group: String, diameterMM: Double) -> String {
        "\(group) \(String(format: "%.2f", diameterMM))"
    }
}

/// The cartridge types a board accepts, as `Hardware/cartridges.json` lists them.
public struct CartridgeCatalogue: Encodable, Hashable, Sendable {
    /// The only file format this reader understands.
    public static let formatTag = "smpctl-cartridges/1"
    /// Where the catalogue sits inside a Hardware/ directory.
    public static let fileName = "cartridges.json"

    public var format: String
    /// The cartridge whose needle length is the zero of every `needle_length_offset_mm`.
    public var reference: String
    public var provenance: String
    /// In the file's order.
    public var cartridges: [CartridgeDefinition]

    public init(
        format: String = CartridgeCatalogue.formatTag, reference: String, provenance: String,
        cartridges: [CartridgeDefinition]
    ) {
        self.format = format
        self.reference = reference
        self.provenance = provenance
        self.cartridges = cartridges
    }

    /// The cartridge called `name`, nil if the catalogue has none.
    public func cartridge(named name: String) -> CartridgeDefinition? {
        cartridges.first { $0.name == name }
    }

    /// Reads and validates the catalogue file at `path`.
    public static func load(from path: String) throws(HardwareDefinitionError) -> CartridgeCatalogue {
        try read(DefinitionNode.read(file: path))
    }

    /// Reads `cartridges.json` of a Hardware/ directory.
    public static func load(in directory: HardwareDirectory.Location) throws(HardwareDefinitionError)
        -> CartridgeCatalogue
    {
        try load(from: (directory.path as NSString).appendingPathComponent(fileName))
    }

    /// Reads and validates a catalogue from bytes; `source` names them in errors.
    public static func decode(_ data: Data, source: String) throws(HardwareDefinitionError) -> CartridgeCatalogue {
        try read(DefinitionNode.parse(data, file: source))
    }

    private static func read(_ root: DefinitionNode) throws(HardwareDefinitionError) -> CartridgeCatalogue {
        let top = try root.object(required: ["format", "reference", "provenance", "cartridges"])
        _ = try top["format"].string(equalTo: formatTag)
        var cartridges: [CartridgeDefinition] = []
        for node in try top["cartridges"].array(count: 1...64) {
            let entry = try node.object(required: [
                "name", "group", "needle_count", "diameter_mm", "membrane_loss_mm", "needle_length_offset_mm",
                "provenance",
            ])
            let loss = try entry["membrane_loss_mm"].object(required: ["min", "max", "nominal"])
            let cartridge = CartridgeDefinition(
                name: try entry["name"].string(maximumBytes: 64),
                group: try entry["group"].string(maximumBytes: 16),
                needleCount: try entry["needle_count"].integer(in: 1...50),
                diameterMM: try entry["diameter_mm"].number(in: 0.1...0.5, unit: "mm"),
                membraneLoss: CartridgeDefinition.MembraneLoss(
                    minMM: try loss["min"].number(in: 0...2, unit: "mm"),
                    maxMM: try loss["max"].number(in: 0...2, unit: "mm"),
                    nominalMM: try loss["nominal"].number(in: 0...2, unit: "mm")),
                needleLengthOffsetMM: try entry["needle_length_offset_mm"].number(in: -2...2, unit: "mm"),
                provenance: try entry["provenance"].string())
            let path = node.path
            func refuse(_ key: String, _ found: String, _ expected: String) -> HardwareDefinitionError {
                HardwareDefinitionError(
                    .badData, file: root.file, path: "\(path).\(key)", found: found, expected: expected)
            }
            let canonical = CartridgeDefinition.name(group: cartridge.group, diameterMM: cartridge.diameterMM)
            guard cartridge.name == canonical else {
                throw refuse("name", "\"\(cartridge.name)\"", "\"\(canonical)\" (the group and the diameter)")
            }
            guard cartridges.allSatisfy({ $0.name != cartridge.name }) else {
                throw refuse("name", "\"\(cartridge.name)\" a second time", "each cartridge once")
            }
            let countText = String(cartridge.needleCount)
            guard cartridge.group.hasPrefix(countText),
                cartridge.group.dropFirst(countText.count).allSatisfy(\.isLetter)
            else {
                throw refuse(
                    "needle_count", String(cartridge.needleCount), "the count the group \(cartridge.group) names")
            }
            let membrane = cartridge.membraneLoss
            guard membrane.minMM <= membrane.maxMM else {
                throw refuse(
                    "membrane_loss_mm.max", decimalText(membrane.maxMM), "at least min (\(decimalText(membrane.minMM)))"
                )
            }
            guard membrane.rangeMM.contains(membrane.nominalMM) else {
                throw refuse(
                    "membrane_loss_mm.nominal", decimalText(membrane.nominalMM),
                    "a value from min to max (\(decimalText(membrane.minMM))-\(decimalText(membrane.maxMM)) mm)")
            }
            cartridges.append(cartridge)
        }
        let reference = try top["reference"].string(maximumBytes: 64)
        guard let referenceCartridge = cartridges.first(where: { $0.name == reference }) else {
            throw top["reference"].fail(expected: "the name of one of the cartridges listed")
        }
        guard referenceCartridge.needleLengthOffsetMM == 0 else {
            throw HardwareDefinitionError(
                .badData, file: root.file, path: "cartridges",
                found: "reference \(reference) with offset "
                    + decimalText(referenceCartridge.needleLengthOffsetMM),
                expected: "offset 0 for the reference cartridge")
        }
        return CartridgeCatalogue(
            reference: reference, provenance: try top["provenance"].string(), cartridges: cartridges)
    }
}
