import Foundation
import Testing

/// `smpctl dry-run` as a user runs it: every example plan on the default curved scalp with the board's crystal
/// error and USB timing on, and its refusals.
@Suite struct DryRunCommandTests {
    static func json(_ text: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test(arguments: ["quick.json", "explicit-dots.json", "scar-coverage.json", "norwood5.json"])
    func examplePlanRunsClean(plan: String) throws {
        let result = try SMPCtlProcess.run(["dry-run", "Examples/\(plan)", "--json", "--seed", "2"])
        #expect(result.status == 0, "\(result.standardError)")
        let report = try Self.json(result.standardOutput)
        let planned = try #require(report["dots_planned"] as? Int)
        try #require(planned > 0)
        #expect(report["dots_done"] as? Int == planned)
        #expect(report["dots_duplicated"] as? Int == 0)
        #expect(report["dots_uncertain"] as? Int == 0)
        #expect(report["dots_skipped"] as? Int == 0)
        #expect(report["late_commands"] as? Int == 0)
        let machine = try #require(report["machine_time_s"] as? Double)
        let estimate = try #require(report["estimated_time_s"] as? Double)
        #expect(abs(machine - estimate) <= 0.005 * machine, "machine \(machine) s, estimate \(estimate) s")
        #expect(try #require(report["stroke_rate_error_max_pct"] as? Double) <= 2)
        #expect(report["surface"] as? String == "curved")
        for key in [
            "dots_per_second", "travel_mm", "wire_bytes_per_dot", "depth_mm", "blowouts", "shallow",
            "clock_sync_error_max_us", "faults", "sim_speedup",
        ] {
            #expect(report[key] != nil, "missing \(key)")
        }
        let depth = try #require(report["depth_mm"] as? [String: Any])
        for key in ["target", "mean", "p05", "p95", "max", "abs_error_p95"] { #expect(depth[key] != nil) }
        let wire = try #require(report["wire_bytes_per_dot"] as? [String: Any])
        #expect(wire["host_to_board"] != nil && wire["board_to_host"] != nil)
    }

    @Test func humanSummaryReadsLikeASession() throws {
        let result = try SMPCtlProcess.run(["dry-run", "Examples/quick.json"])
        #expect(result.status == 0, "\(result.standardError)")
        for word in ["session", "dots", "depth", "on target", "faults", "finished"] {
            #expect(result.standardOutput.contains(word), "no \"\(word)\" in \(result.standardOutput)")
        }
    }

    @Test func faultedRunExplainsEveryDot() throws {
        let result = try SMPCtlProcess.run([
            "dry-run", "Examples/quick.json", "--json", "--seed", "4", "--faults",
            "corrupt=1e-4,drop=1e-3,disconnect=20s+2s,reset=24s",
        ])
        let report = try Self.json(result.standardOutput)
        let planned = try #require(report["dots_planned"] as? Int)
        let done = try #require(report["dots_done"] as? Int)
        let uncertain = try #require(report["dots_uncertain"] as? Int)
        let skipped = try #require(report["dots_skipped"] as? Int)
        #expect(report["dots_duplicated"] as? Int == 0)
        #expect(done + uncertain + skipped == planned)
        #expect(result.status == (done == planned ? 0 : 70))
        let notDone = try #require(report["not_done"] as? [[String: Any]])
        #expect(notDone.count == uncertain + skipped)
        #expect(notDone.allSatisfy { !(($0["reason"] as? String) ?? "").isEmpty })
    }

    @Test func badInputIsOneLineWithItsExitCode() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smpctl-dry-run-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = directory.appendingPathComponent("bad.json")
        try Data(#"{"format": "smpctl-plan/1", "regions": []}"#.utf8).write(to: bad)
        let cases: [([String], Int32)] = [
            (["dry-run", bad.path], 65),
            (["dry-run", "Examples/quick.json", "--profile", "p.json"], 65),
            (["dry-run", "Examples/quick.json", "--report", "/nonexistent-directory/r.html"], 73),
            (["dry-run", "Examples/quick.json", "--report", "Examples"], 73),
            (["dry-run", "Examples/quick.json", "--skin", "purple"], 64),
            (["dry-run", "Examples/quick.json", "--faults", "drop=2"], 65),
            (["dry-run", "Examples/quick.json", "--hold-at", "soon"], 64),
            (["dry-run", "Examples/quick.json", "--hold-at", "12", "--hold-at", "20+0"], 64),
        ]
        for (arguments, status) in cases {
            let result = try SMPCtlProcess.run(arguments)
            #expect(result.status == status, "\(arguments): \(result.standardError)")
            if arguments.contains("--hold-at") {
                #expect(result.standardError.contains("--hold-at \"") && result.standardError.contains("SECONDS"))
            }
            #expect(result.standardOutput.isEmpty, "\(arguments) printed a summary")
            let lines = result.standardError.split(separator: "\n")
            #expect(lines.count == 1, "\(arguments): \(result.standardError)")
        }
    }
}
