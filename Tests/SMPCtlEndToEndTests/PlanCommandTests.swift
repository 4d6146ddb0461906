import Foundation
import Testing

/// Runs the built `smpctl plan` on the Examples as a user would.
@Suite struct PlanCommandTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func smpctl(_ arguments: [String]) throws -> Run {
        let result = try SMPCtlProcess.run(arguments, in: Self.repoRoot)
        return Run(status: result.status, stdout: result.standardOutput, stderr: result.standardError)
    }

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("smpctl-plan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func quickPlanJSONSummaryAndDotsFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let dots = directory.appendingPathComponent("dots.json").path
        let run = try smpctl(["plan", "Examples/quick.json", "--out", dots, "--json"])
        #expect(run.status == 0, "\(run.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        for key in ["regions", "dots_this_session", "travel_mm", "estimated_seconds", "session", "sessions"] {
            #expect(summary[key] != nil, "missing \(key)")
        }
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dots))) as? [String: Any])
        let list = try #require(document["dots"] as? [[String: Any]])
        #expect(list.count == summary["dots_this_session"] as? Int)
        // Same plan, same bytes; an existing --out file is replaced.
        let first = try Data(contentsOf: URL(fileURLWithPath: dots))
        let again = directory.appendingPathComponent("again.json").path
        #expect(try smpctl(["plan", "Examples/quick.json", "--out", again]).status == 0)
        #expect(try smpctl(["plan", "Examples/quick.json", "--out", dots]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: again)) == first)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dots)) == first)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["again.json", "dots.json"])
    }

    @Test func badPlanExits65AndWritesNothing() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let plan = directory.appendingPathComponent("bad.json")
        try Data(
            #"{"format": "smpctl-plan/1", "regions": [{"name": "a", "kind": "density", "polygon": [[0,0],[10,0],[10,10],[0,10]], "density": 400, "profile": "thin"}]}"#
                .utf8
        ).write(to: plan)
        let out = directory.appendingPathComponent("dots.json")
        let run = try smpctl(["plan", plan.path, "--out", out.path])
        #expect(run.status == 65)
        #expect(run.stderr.contains("bad.json"))
        #expect(run.stderr.contains("regions[0].density"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["bad.json"])
    }

    @Test func missingPlanExits65() throws {
        let run = try smpctl(["plan", "Examples/no-such-plan.json"])
        #expect(run.status == 65)
        #expect(run.stderr.contains("no-such-plan.json"))
    }
}
