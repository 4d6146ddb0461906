import Foundation
import Testing

@Suite("smpctl calibrate and smpctl profiles")
struct CalibrateCommandTests {
    @Test func calibrateWritesAProfileThatDryRunAccepts() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smpctl-calibrate-\(getpid())")
        defer { try? FileManager.default.removeItem(at: directory) }
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_CONFIG_HOME"] = directory.path
        let result = try SMPCtlProcess.run(
            ["calibrate", "--port", "sim", "--skin", "fitzpatrick-1-3", "--plan", "Examples/quick.json", "--json"],
            environment: environment)
        try #require(result.status == 0, "\(result.standardError)")
        let summary = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        for key in ["hang_mm", "mesh_residual_mm", "loss_mm", "strokes_used", "sites_used"] {
            #expect(summary[key] != nil, "\(key)")
        }
        let list = try SMPCtlProcess.run(["profiles", "list", "--json"], environment: environment)
        let entries = try #require(
            try JSONSerialization.jsonObject(with: Data(list.standardOutput.utf8)) as? [[String: String]])
        #expect(entries.contains { $0["name"] == "fitzpatrick-1-3-seed1" && $0["kind"] == "client" })
        #expect(entries.contains { $0["name"] == "keloid" && $0["kind"] == "skin-type" })
        let dryRun = try SMPCtlProcess.run(
            ["dry-run", "Examples/quick.json", "--profile", "fitzpatrick-1-3-seed1", "--json"], environment: environment
        )
        #expect(dryRun.status == 0, "\(dryRun.standardError)")
    }

    @Test func badInputIsOneLineAndWritesNothing() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "smpctl-calibrate-bad-\(getpid())")
        defer { try? FileManager.default.removeItem(at: directory) }
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_CONFIG_HOME"] = directory.path
        let plan = ["--plan", "Examples/quick.json"]
        let cases: [([String], Int32)] = [
            (["calibrate", "--port", "/dev/ttyNOPE42", "--skin", "thin"] + plan, 69),
            (["calibrate", "--port", "sim", "--skin", "keloid"] + plan, 65),
            (["calibrate", "--port", "sim", "--skin", "fitzpatrick-1-3", "--target-depth", "0.9"] + plan, 65),
        ]
        for (arguments, status) in cases {
            let result = try SMPCtlProcess.run(arguments, environment: environment)
            #expect(result.status == status, "\(arguments): \(result.standardError)")
            #expect(result.standardError.split(separator: "\n").count == 1, "\(arguments): \(result.standardError)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("smpctl/profiles").path))
    }

    /// Thin skin calibrates with its profile's 1RL 0.20 (the r1 handpiece's 3RL 0.25 cannot reach its band); the
    /// dry run fits that cartridge for the profile's dots. A profile naming a cartridge the board does not accept
    /// is refused with one line.
    @Test func thinSkinProfileCarriesItsCartridge() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "smpctl-calibrate-thin-\(getpid())")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("thin.json").path
        let calibrate = try SMPCtlProcess.run([
            "calibrate", "--port", "sim", "--skin", "thin", "--plan", "Examples/quick.json", "--out", path, "--json",
        ])
        try #require(calibrate.status == 0, "\(calibrate.standardError)")
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var profile = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(profile["cartridge"] as? String == "1RL 0.20")
        let dryRun = try SMPCtlProcess.run([
            "dry-run", "Examples/quick.json", "--skin", "thin", "--profile", path, "--json",
        ])
        try #require(dryRun.status == 0, "\(dryRun.standardError)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(dryRun.standardOutput.utf8)) as? [String: Any])
        let depth = try #require(report["depth_mm"] as? [String: Any])
        #expect((depth["abs_error_p95"] as? Double ?? 1) <= 0.05)
        #expect(report["blowouts"] as? Int == 0)
        profile["cartridge"] = "7RL 0.35"
        try JSONSerialization.data(withJSONObject: profile).write(to: URL(fileURLWithPath: path))
        let refused = try SMPCtlProcess.run(["dry-run", "Examples/quick.json", "--profile", path])
        #expect(refused.status == 65)
        #expect(refused.standardError.split(separator: "\n").count == 1, "\(refused.standardError)")
        #expect(refused.standardError.contains("cartridge"))
    }
}
