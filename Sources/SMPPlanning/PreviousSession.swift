import Foundation

/// Checks an earlier session's DOTS.json against the pattern a plan regenerates now.
///
/// A later session is planned by regenerating the whole pattern and taking its next layer, so it fits around the
/// dots already needled only if the earlier sessions come out exactly as they did then. A different generator
/// (a software update between sessions), seed or plan would put new dots on or next to old ones. The generator
/// stamp in DOTS.json says which algorithm placed the dots; this check compares the dots themselves.
public enum PreviousSession {
    /// Throws unless `data` (the DOTS.json written for an earlier session of this plan) holds exactly the dots
    /// `result` regenerates for that session: same generator, seed and session count, the same ids at the same
    /// positions (to the file's 1 um). Errors name the file and the JSON path.
    /// Returns the earlier session's index that the file holds.
    @discardableResult
    public static func verify(_ data: Data, file: String, against result: PlanResult) throws -> Int {
        let root = try JSONNode.document(data, file: file)
        let top = try root.object(allowed: [
            "format", "generator", "board", "seed", "session", "travel_mm", "estimated_seconds", "regions", "steps",
            "dots",
        ])
        func required(_ key: String, in fields: [String: JSONNode], of parent: JSONNode) throws -> JSONNode {
            guard let member = fields[key] else {
                throw parent.fail(member: key, "missing; expected a smpctl-dots/1 file")
            }
            return member
        }
        let formatNode = try required("format", in: top, of: root)
        let format = try formatNode.string()
        guard format == DotsDocument.format else {
            throw formatNode.fail("is \"\(printableText(format))\"; expected \"\(DotsDocument.format)\"")
        }
        let generator = try top["generator"]?.string()
        guard generator == DotGenerator.algorithm else {
            throw root.fail(
                member: "generator",
                "the earlier session's dots were placed by \(generator.map { "\"\(printableText($0))\"" } ?? "a generator older than the stamp") and this smpctl places them with \"\(DotGenerator.algorithm)\"; the new session's dots would not fit around the needled ones. Plan it with the smpctl that planned the earlier sessions"
            )
        }
        let plan = result.plan
        // The same range PlanLoader accepts for a plan's seed.
        let seedNode = try required("seed", in: top, of: root)
        let seed = try seedNode.integer(in: 0...(1 << 53))
        guard UInt64(seed) == plan.seed else {
            throw seedNode.fail("is \(seed); expected the plan's seed \(plan.seed)")
        }
        let sessionNode = try required("session", in: top, of: root)
        let session = try sessionNode.object(allowed: ["index", "of"])
        let ofNode = try required("of", in: session, of: sessionNode)
        let of = try ofNode.integer(in: 1...100)
        guard of == plan.session.count else {
            throw ofNode.fail("is \(of); expected the plan's \(plan.session.count) sessions")
        }
        let indexNode = try required("index", in: session, of: sessionNode)
        let index = try indexNode.integer(in: 1...100)
        guard index < plan.session.index else {
            throw indexNode.fail("is \(index); expected an earlier session than the plan's \(plan.session.index)")
        }
        let regenerated = result.allDots.filter { $0.session == index }
        let byID = Dictionary(regenerated.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let dotsNode = try required("dots", in: top, of: root)
        let dots = try dotsNode.array()
        guard dots.count == regenerated.count else {
            throw dotsNode.fail(
                "holds \(dots.count) dots; this plan regenerates \(regenerated.count) for session \(index)")
        }
        var seen: Set<Int> = []
        for dot in dots {
            let fields = try dot.object(allowed: [
                "id", "x", "y", "region", "session", "needle", "profile", "strokes", "depth_mm", "sentinel", "pigment",
                "dilution",
            ])
            guard let idNode = fields["id"], let xNode = fields["x"], let yNode = fields["y"] else {
                throw dot.fail("expected id, x and y")
            }
            let id = try idNode.integer(in: 1...Int.max / 2)
            // Each id once: with the count equal, a repeated id would leave a regenerated dot unchecked.
            guard seen.insert(id).inserted else { throw idNode.fail("dot \(id) appears twice; expected each id once") }
            guard let expected = byID[id] else {
                throw idNode.fail("dot \(id) is not among the dots this plan regenerates for session \(index)")
            }
            let x = try xNode.number()
            let y = try yNode.number()
            // The file holds positions to 1 um; the regenerated ones are compared as the file would print them.
            guard DotsDocument.fixed(expected.position.x, 3) == DotsDocument.fixed(x, 3),
                DotsDocument.fixed(expected.position.y, 3) == DotsDocument.fixed(y, 3)
            else {
                throw dot.fail(
                    "dot \(id) is at (\(DotsDocument.fixed(x, 3)), \(DotsDocument.fixed(y, 3))) mm; this plan regenerates it at (\(DotsDocument.fixed(expected.position.x, 3)), \(DotsDocument.fixed(expected.position.y, 3))) mm"
                )
            }
        }
        return index
    }

    /// The warning for a later session planned without every earlier session's dots file, nil when there is
    /// nothing to warn about: the new dots were then not checked against the ones already needled.
    public static func uncheckedWarning(session: SessionSpec, checked: Set<Int>) -> String? {
        let missing = (1..<max(session.index, 1)).filter { !checked.contains($0) }
        guard !missing.isEmpty else { return nil }
        let list = missing.map(String.init).joined(separator: ", ")
        let noun = missing.count == 1 ? "session" : "sessions"
        return
            "planning session \(session.index) of \(session.count) without the dots of earlier \(noun) \(list): they were not checked against what was needled; pass each earlier session's dots file with --previous"
    }
}
