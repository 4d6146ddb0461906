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
    public static func verify(_ data: Data, file: String, against result: PlanResult) throws {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw PlanError(file: file, location: "", reason: "malformed JSON; expected a smpctl-dots/1 file")
        }
        let root = JSONNode(value: value, path: "", file: file)
        guard case .object(let members) = value else { throw root.fail("expected a smpctl-dots/1 object") }
        func node(_ key: String) throws -> JSONNode {
            guard let member = members[key] else {
                throw PlanError(file: file, location: key, reason: "missing; expected a smpctl-dots/1 file")
            }
            return JSONNode(value: member, path: key, file: file)
        }
        let format = try node("format").string()
        guard format == DotsDocument.format else {
            throw PlanError(
                file: file, location: "format", reason: "is \"\(format)\"; expected \"\(DotsDocument.format)\"")
        }
        let generator = members["generator"].flatMap { if case .string(let s) = $0 { s } else { nil } }
        guard generator == DotGenerator.algorithm else {
            throw PlanError(
                file: file, location: "generator",
                reason:
                    "the earlier session's dots were placed by \(generator.map { "\"\($0)\"" } ?? "a generator older than the stamp") and this smpctl places them with \"\(DotGenerator.algorithm)\"; the new session's dots would not fit around the needled ones. Plan it with the smpctl that planned the earlier sessions"
            )
        }
        let plan = result.plan
        let seed = try node("seed").integer(in: Int.min / 2...Int.max / 2)
        guard UInt64(truncatingIfNeeded: seed) == plan.seed else {
            throw PlanError(file: file, location: "seed", reason: "is \(seed); expected the plan's seed \(plan.seed)")
        }
        let session = try node("session").object(allowed: ["index", "of"])
        let of = try (session["of"] ?? node("session.of")).integer(in: 1...100)
        guard of == plan.session.count else {
            throw PlanError(
                file: file, location: "session.of",
                reason: "is \(of); expected the plan's \(plan.session.count) sessions")
        }
        let index = try (session["index"] ?? node("session.index")).integer(in: 1...100)
        guard index < plan.session.index else {
            throw PlanError(
                file: file, location: "session.index",
                reason: "is \(index); expected an earlier session than the plan's \(plan.session.index)")
        }
        let regenerated = result.allDots.filter { $0.session == index }
        let byID = Dictionary(regenerated.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let dots = try node("dots").array()
        guard dots.count == regenerated.count else {
            throw PlanError(
                file: file, location: "dots",
                reason: "holds \(dots.count) dots; this plan regenerates \(regenerated.count) for session \(index)")
        }
        for dot in dots {
            let fields = try dot.object(allowed: [
                "id", "x", "y", "region", "session", "needle", "profile", "strokes", "depth_mm", "sentinel",
            ])
            guard let idNode = fields["id"], let xNode = fields["x"], let yNode = fields["y"] else {
                throw dot.fail("expected id, x and y")
            }
            let id = try idNode.integer(in: 1...Int.max / 2)
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
    }
}
