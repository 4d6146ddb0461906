import Foundation
import SMPBoardSim
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `smpctl run --report` as a practitioner runs it, against `smpctl sim --pty`: the report holds every done dot,
/// its numbers are the `--json` summary's, and with a calibrated profile its deposit-depth estimate (from the
/// board's stroke reports only) is checked against the simulator's truth.
@Suite("smpctl run --report against smpctl sim --pty, end to end")
struct RunReportEndToEndTests {
    static let planned = QuickPlan.dots.count

    /// The report's embedded summary against the `--json` summary: every figure equal, a null where the other has
    /// one.
    static func expectSameNumbers(report summary: [String: Any], json: [String: Any]) throws {
        for key in [
            "session_time_s", "machine_time_s", "estimated_time_s", "probing_time_s", "dots_planned", "dots_done",
            "dots_uncertain", "dots_skipped", "blowouts", "shallow",
        ] {
            let inReport = try #require(summary[key], "report: \(key)")
            let inJSON = try #require(json[key], "json: \(key)")
            #expect(inReport as? Double == inJSON as? Double, "\(key)")
            #expect((inReport is NSNull) == (inJSON is NSNull), "\(key)")
        }
        if let depth = json["depth_mm"] as? [String: Any] {
            #expect(summary["depth_p05_mm"] as? Double == depth["p05"] as? Double)
            #expect(summary["depth_mean_mm"] as? Double == depth["mean"] as? Double)
            #expect(summary["depth_p95_mm"] as? Double == depth["p95"] as? Double)
        } else {
            #expect(json["depth_mm"] is NSNull)
            #expect(summary["depth_mean_mm"] is NSNull)
        }
        let regions = try #require(json["regions"] as? [[String: Any]])
        let reportRegions = try #require(summary["regions"] as? [[String: Any]])
        try #require(regions.count == reportRegions.count && !regions.isEmpty)
        for (region, reported) in zip(regions, reportRegions) {
            #expect(region["name"] as? String == reported["name"] as? String)
            for key in ["dots", "time_s", "depth_p05_mm", "mean_depth_mm", "depth_p95_mm", "shallow", "deep"] {
                #expect(region[key] as? Double == reported[key] as? Double, "\(key)")
                #expect((region[key] is NSNull) == (reported[key] is NSNull), "\(key)")
            }
        }
    }

    static func wellFormed(_ html: String) -> Bool {
        let parser = XMLParser(data: Data(html.utf8))
        return parser.parse()
    }

    @Test("without a profile: every done dot drawn, its depth not measured (null in the JSON and the report)")
    func reportWithoutProfile() throws {
        let world = try RunWorld(seed: 3)
        let report = world.directory.appendingPathComponent("run.html").path
        let result = try world.run(["--report", report])
        _ = try world.stopSimulator()
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let json = try #require(runSummary(result), "stdout: \(result.standardOutput)")
        try #require(json["dots_done"] as? Int == Self.planned)
        let html = try String(contentsOfFile: report, encoding: .utf8)
        #expect(Self.wellFormed(html))
        let counts = DryRunReportTests.dotCounts(html)
        #expect(counts["unmeasured"] == Self.planned)
        #expect(counts.values.reduce(0, +) == Self.planned)
        #expect(html.contains(#"<dd data-key="depth">not measured</dd>"#))
        #expect((json["depth_source"] as? String)?.hasPrefix("not measured") == true)
        try Self.expectSameNumbers(report: try DryRunReportTests.embeddedSummary(html), json: json)
    }

    /// One calibrated run, shared by the tests that read it (the run is the slow part): `calibrate --port sim` of a
    /// seeded patient, then `run --profile --report` on the same patient behind `smpctl sim --pty` (skin type, curved
    /// scalp and seed make the patient).
    struct ProfiledRun: Sendable {
        var jsonText: String
        var html: String
        var file: URL
        var truthDeposits: [Double]
        var truthTooDeep: Int
        var json: [String: Any] {
            get throws {
                try #require(JSONSerialization.jsonObject(with: Data(jsonText.utf8)) as? [String: Any])
            }
        }
    }

    static let profiledRun: Result<ProfiledRun, any Error> = Result {
        let seed: UInt64 = 4
        let world = try RunWorld(seed: seed, surface: "curved")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smpctl-run-report-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let profile = directory.appendingPathComponent("client.json").path
        let calibration = try SMPCtlProcess.run([
            "calibrate", "--port", "sim", "--skin", "fitzpatrick-1-3", "--plan", world.plan, "--seed", "\(seed)",
            "--out", profile, "--json",
        ])
        guard calibration.status == 0 else {
            throw DryRunReportTests.ReportTestError(message: "calibrate: \(calibration.standardError)")
        }
        let report = directory.appendingPathComponent("run.html")
        let result = try world.run(["--profile", profile, "--report", report.path])
        let (truth, _) = try world.stopSimulator()
        guard result.status == 0 else {
            throw DryRunReportTests.ReportTestError(message: "run: exit \(result.status): \(result.standardError)")
        }
        let completed = truth.dots.filter { $0.outcome == "completed" }
        return ProfiledRun(
            jsonText: result.standardOutput, html: try String(contentsOf: report, encoding: .utf8), file: report,
            truthDeposits: completed.map(\.depositDepthMM).sorted(), truthTooDeep: completed.count(where: \.tooDeep))
    }

    @Test(
        "with a calibrated profile: the depth estimated from the stroke reports is the truth's, and the report shows it"
    )
    func reportWithProfile() throws {
        let run = try Self.profiledRun.get()
        let json = try run.json
        try #require(json["dots_done"] as? Int == Self.planned)
        let estimate = try #require(
            json["depth_mm"] as? [String: Any], "no depth estimate: \(json["depth_source"] ?? "")")
        let deposits = run.truthDeposits
        try #require(deposits.count == Self.planned)
        func nearestRank(_ fraction: Double) -> Double {
            deposits[min(deposits.count - 1, max(0, Int((fraction * Double(deposits.count)).rounded(.up)) - 1))]
        }
        let truthMean = deposits.reduce(0, +) / Double(deposits.count)
        let mean = try #require(estimate["mean"] as? Double)
        let p05 = try #require(estimate["p05"] as? Double)
        let p95 = try #require(estimate["p95"] as? Double)
        // The estimate inherits the calibration's error (its membrane loss, its tent stiffness); over seeds 1-5 it
        // is within 0.014 mm of the truth (scripts/run-depth-estimate.sh, Docs/Report.md).
        #expect(abs(mean - truthMean) <= 0.03, "estimated mean \(mean) mm, truth \(truthMean) mm")
        #expect(abs(p05 - nearestRank(0.05)) <= 0.03, "estimated p05 \(p05) mm, truth \(nearestRank(0.05)) mm")
        #expect(abs(p95 - nearestRank(0.95)) <= 0.03, "estimated p95 \(p95) mm, truth \(nearestRank(0.95)) mm")
        #expect(json["blowouts"] as? Int == run.truthTooDeep)
        #expect(Self.wellFormed(run.html))
        let counts = DryRunReportTests.dotCounts(run.html)
        #expect(counts["unmeasured"] == 0)
        #expect(counts.values.reduce(0, +) == Self.planned)
        try Self.expectSameNumbers(report: try DryRunReportTests.embeddedSummary(run.html), json: json)
    }

    /// Headless Chromium draws the run's map (its dots in the on-target green) and its timeline's three series.
    @Test(
        .enabled(
            if: DryRunReportTests.chromium != nil,
            "Chromium is not installed (make test installs Debian's chromium where apt works)"))
    func browserDrawsTheRunsMapAndTimeline() throws {
        let chromium = try #require(DryRunReportTests.chromium)
        let run = try Self.profiledRun.get()
        let map = try DryRunReportTests.screenshot(
            run.html, section: "map-section", beside: run.file, chromium: chromium)
        #expect(map.count(near: (0x2e, 0x9e, 0x4f), tolerance: 40) > 200, "no on-target dots drawn")
        let timeline = try DryRunReportTests.screenshot(
            run.html, section: "timeline-section", beside: run.file, chromium: chromium)
        for colour: (UInt8, UInt8, UInt8) in [(0x1d, 0x6f, 0xb8), (0x8a, 0x4f, 0xbf), (0xc2, 0x6a, 0x00)] {
            #expect(timeline.count(near: colour, tolerance: 40) > 200, "series \(colour) not drawn")
        }
    }
}
