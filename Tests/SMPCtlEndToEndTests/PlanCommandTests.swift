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

    /// Session 2 planned against session 1's dots file: accepted when the plan regenerates those dots, refused
    /// (exit 65, nothing written) when a dot moved or another generator placed them.
    @Test func laterSessionIsCheckedAgainstTheEarlierDotsFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let session1 = directory.appendingPathComponent("session1.json")
        #expect(try smpctl(["plan", "Examples/quick.json", "--out", session1.path]).status == 0)
        let plan2 = directory.appendingPathComponent("quick-session2.json")
        let text = try String(contentsOf: Self.repoRoot.appendingPathComponent("Examples/quick.json"), encoding: .utf8)
        try Data(text.replacingOccurrences(of: #""index": 1"#, with: #""index": 2"#).utf8).write(to: plan2)
        let session2 = directory.appendingPathComponent("session2.json")
        let good = try smpctl(["plan", plan2.path, "--previous", session1.path, "--out", session2.path])
        #expect(good.status == 0, "\(good.stderr)")

        let original = try String(contentsOf: session1, encoding: .utf8)
        let moved = directory.appendingPathComponent("moved.json")
        let firstX = try #require(original.range(of: #""x": "#))
        var shifted = original
        shifted.insert(contentsOf: "1", at: firstX.upperBound)  // x gains 100 mm
        try Data(shifted.utf8).write(to: moved)
        let refused = directory.appendingPathComponent("refused.json")
        let bad = try smpctl(["plan", plan2.path, "--previous", moved.path, "--out", refused.path])
        #expect(bad.status == 65)
        #expect(bad.stderr.contains("moved.json") && bad.stderr.contains("dots[0]"), "\(bad.stderr)")
        #expect(!FileManager.default.fileExists(atPath: refused.path))

        let older = directory.appendingPathComponent("older.json")
        try Data(original.replacingOccurrences(of: "smpctl-blue-noise/5", with: "smpctl-blue-noise/4").utf8)
            .write(to: older)
        let stale = try smpctl(["plan", plan2.path, "--previous", older.path])
        #expect(stale.status == 65)
        #expect(stale.stderr.contains("older.json") && stale.stderr.contains("generator"), "\(stale.stderr)")
    }

    @Test func missingPlanExits66() throws {
        let run = try smpctl(["plan", "Examples/no-such-plan.json"])
        #expect(run.status == 66)
        #expect(run.stderr.contains("no-such-plan.json"))
    }

    @Test(
        "a board with 2 m travel (the most a board file may claim) and one region over it at 150 dots/cm2: exit 65 naming the count, at once"
    )
    func oversizedPlanIsRefusedBeforeWork() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let board = try String(
            contentsOf: Self.repoRoot.appendingPathComponent("Hardware/smp-driver-r1/board.json"), encoding: .utf8
        ).replacingOccurrences(of: "\"travel_mm\": 200.0", with: "\"travel_mm\": 2000.0")
        try Data(board.utf8).write(to: directory.appendingPathComponent("board.json"))
        let plan = directory.appendingPathComponent("plan.json")
        try Data(
            #"{"format": "smpctl-plan/1", "board": "board.json", "regions": [{"name": "all", "kind": "density", "polygon": [[0,0],[2000,0],[2000,2000],[0,2000]], "density": 150, "profile": "thin"}]}"#
                .utf8
        ).write(to: plan)
        let run = try smpctl(["plan", plan.path])
        #expect(run.status == 65, "\(run.stderr)")
        #expect(run.stderr.contains("6,000,000 dots") && run.stderr.contains("at most 1,000,000"), "\(run.stderr)")
        #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
    }

    @Test("planning session 2 of 3 without --previous warns that session 1 was not checked")
    func laterSessionWithoutPreviousWarns() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let plan = directory.appendingPathComponent("plan.json")
        try Data(
            #"{"format": "smpctl-plan/1", "session": {"index": 2, "of": 3}, "regions": [{"name": "a", "kind": "density", "polygon": [[10,10],[30,10],[30,30],[10,30]], "density": 50, "profile": "thin"}]}"#
                .utf8
        ).write(to: plan)
        let run = try smpctl(["plan", plan.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            run.stderr.contains("warning: planning session 2 of 3 without the dots of earlier session 1"),
            "\(run.stderr)")
    }
}
