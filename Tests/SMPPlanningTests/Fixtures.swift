import Foundation

@testable import SMPPlanning

/// Shared plan snippets and helpers for the planning tests.
enum Fixtures {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let examples = repoRoot.appendingPathComponent("Examples")

    static func square(
        side: Double = 40, density: Double = 100, sessions: Int = 1, seed: Int = 7, extra: String = ""
    ) -> String {
        let a = 50.0
        let b = 50.0 + side
        let d = density == density.rounded() ? String(Int(density)) : String(density)
        return """
            {"format": "smpctl-plan/1", "seed": \(seed), "session": {"index": 1, "of": \(sessions)},
             "regions": [{"name": "square", "kind": "density", "polygon": [[\(a),\(a)],[\(b),\(a)],[\(b),\(b)],[\(a),\(b)]],
                          "density": \(d), "profile": "fitzpatrick-1-3"}]\(extra)}
            """
    }

    static func plan(_ json: String, file: String = "test.json") throws -> Plan {
        try PlanLoader.parse(Data(json.utf8), file: file, directory: examples)
    }

    /// The PlanError a plan text raises, or nil if it loads and generates.
    static func error(_ json: String) -> PlanError? {
        do {
            let plan = try plan(json)
            _ = try DotGenerator.generate(plan)
            return nil
        } catch let error as PlanError {
            return error
        } catch {
            return PlanError(file: "?", location: "?", reason: "unexpected \(error)")
        }
    }
}
