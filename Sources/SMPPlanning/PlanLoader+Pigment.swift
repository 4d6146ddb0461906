import Foundation

/// Parsing of pigments in plans (PlanFormat.md, "Pigment").
extension PlanLoader {
    /// Reads each region's `"pigment"` (one `{"name", "dilution"}` for every session, or an array with one per
    /// session) against the plan's catalogue (`"pigment_catalogue"`, default the built-in one). Once one region
    /// names a pigment every region must, so that every dot says what is in the cartridge.
    static func applyPigments(
        _ regionNodes: [JSONNode], to regions: inout [PlanRegion], sessions: Int, catalogueNode: JSONNode?,
        directory: URL?
    ) throws {
        let catalogue: PigmentCatalogue
        if let catalogueNode {
            let path = try catalogueNode.string()
            catalogue = try PigmentCatalogue.load(contentsOf: resolve(path, against: directory), displayName: path)
        } else {
            catalogue = .builtIn
        }
        let nodes = regionNodes.map { $0.member("pigment") }
        guard let firstNamed = nodes.firstIndex(where: { $0 != nil }) else { return }
        if let unnamed = nodes.firstIndex(where: { $0 == nil }) {
            throw regionNodes[unnamed].fail(
                "no \"pigment\", but regions[\(firstNamed)] names one; expected a pigment for every region once one has it"
            )
        }
        for (i, node) in nodes.enumerated() {
            guard let node else { continue }
            let entries: [JSONNode]
            if case .array = node.value {
                entries = try node.array(minCount: sessions, maxCount: sessions)
            } else {
                entries = Array(repeating: node, count: sessions)
            }
            regions[i].pigments = try entries.map { try parsePigmentChoice($0, catalogue: catalogue) }
        }
    }

    static func parsePigmentChoice(_ node: JSONNode, catalogue: PigmentCatalogue) throws -> PigmentChoice {
        let object = try node.object(allowed: ["name", "dilution"])
        let names = catalogue.pigments.map(\.name).joined(separator: ", ")
        guard let nameNode = object["name"] else { throw node.fail("missing \"name\"; expected one of \(names)") }
        let name = try nameNode.string()
        guard let pigment = catalogue.pigment(named: name) else {
            throw nameNode.fail("unknown pigment \"\(name)\"; expected one of \(names)")
        }
        guard let dilutionNode = object["dilution"] else {
            throw node.fail(
                "missing \"dilution\"; expected one of \(pigment.name)'s: \(pigment.dilutions.map(decimal).joined(separator: ", "))"
            )
        }
        let dilution = try dilutionNode.number(what: "a dilution")
        guard let exact = pigment.dilutions.first(where: { abs($0 - dilution) < 1e-9 }) else {
            throw dilutionNode.fail(
                "\(decimal(dilution)) is not a dilution of \(pigment.name); expected one of \(pigment.dilutions.map(decimal).joined(separator: ", "))"
            )
        }
        return PigmentChoice(name: pigment.name, dilution: exact)
    }
}
