import Foundation
import SMPHardware

extension PlanLoader {
    // MARK: Sessions

    static func parseSession(_ node: JSONNode) throws -> SessionSpec {
        let object = try node.object(allowed: ["index", "of", "fractions"])
        guard let ofNode = object["of"] else { throw node.fail("missing \"of\"; expected the number of sessions") }
        let count = try ofNode.integer(in: 1...6)
        guard let indexNode = object["index"] else { throw node.fail("missing \"index\"; expected 1...\(count)") }
        let index = try indexNode.integer(in: 1...count)
        var fractions = SessionSpec.defaultFractions(count: count)
        if let fractionsNode = object["fractions"] {
            let nodes = try fractionsNode.array(minCount: count, maxCount: count)
            fractions = []
            for n in nodes {
                let f = try n.number(in: 0.05...1, what: "a cumulative density fraction")
                if let previous = fractions.last, f <= previous {
                    throw n.fail("fractions must increase; \(decimal(f)) follows \(decimal(previous))")
                }
                fractions.append(f)
            }
            guard fractions.last == 1 else {
                throw fractionsNode.fail("the last fraction must be 1 (the full density after the last session)")
            }
        }
        return SessionSpec(index: index, fractions: fractions)
    }
}
