import Foundation
import SMPHardware
import Testing

/// Hardware definitions found and validated the same way by every command, run from outside the repository.
@Suite("smpctl hardware lookup and board validation, end to end")
struct HardwareLookupEndToEndTests {
    /// A scratch directory outside the repository, removed by `remove()`.
    struct Scratch {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("smpctl-hw-\(UUID().uuidString)")
            .standardizedFileURL

        init() throws {
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        }

        func file(_ name: String, _ text: String) throws -> String {
            let url = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: url)
            return url.path
        }

        /// `prefix/bin/smpctl` and `prefix/share/smpctl/Hardware`, as `make install` lays them out.
        func install() throws -> URL {
            let manager = FileManager.default
            let bin = root.appendingPathComponent("prefix/bin")
            try manager.createDirectory(at: bin, withIntermediateDirectories: true)
            try manager.copyItem(at: SMPCtlProcess.executable, to: bin.appendingPathComponent("smpctl"))
            let share = root.appendingPathComponent("prefix/share/smpctl")
            try manager.createDirectory(at: share, withIntermediateDirectories: true)
            try manager.copyItem(
                at: SMPCtlProcess.repositoryRoot.appendingPathComponent("Hardware"),
                to: share.appendingPathComponent("Hardware"))
            return bin.appendingPathComponent("smpctl")
        }

        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    /// The test's environment without SMPCTL_HARDWARE, so that only the rules under test find anything.
    static var cleanEnvironment: [String: String] {
        ProcessInfo.processInfo.environment.filter { $0.key != HardwareDirectory.environmentVariable }
    }

    static func r1(replacing original: String, with replacement: String) throws -> String {
        try #require(BoardDefinition.r1Text.contains(original))
        return BoardDefinition.r1Text.replacingOccurrences(of: original, with: replacement)
    }

    @Test(
        "plan --board and sim --board refuse a bad board file with the same line and status",
        arguments: [
            (#""clock_hz": 1000000"#, #""clock_hz": 0"#, "clock_hz"),
            (#""min_hz": 50.0, "max_hz": 150.0"#, #""min_hz": 160.0, "max_hz": 150.0"#, "motor.max_hz"),
            (#""resolution_um": 5 },"#, #""resolution_um": 0 },"#, "axes.x.resolution_um"),
            (#""watchdog_ms": 100"#, #""watchdog_ms": 100, "turbo": true"#, "turbo"),
        ])
    func oneValidator(original: String, replacement: String, path: String) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let board = try scratch.file("bad/board.json", try Self.r1(replacing: original, with: replacement))
        let plan = SMPCtlProcess.repositoryRoot.appendingPathComponent("Examples/explicit-dots.json").path
        var environment = Self.cleanEnvironment
        environment[HardwareDirectory.environmentVariable] =
            SMPCtlProcess.repositoryRoot.appendingPathComponent("Hardware").path
        let planned = try SMPCtlProcess.run(
            ["plan", plan, "--board", board], environment: environment, in: scratch.root)
        let simulated = try SMPCtlProcess.run(
            ["sim", "--pty", "--board", board], environment: environment, in: scratch.root)
        #expect(planned.status == 65, "stderr: \(planned.standardError)")
        #expect(simulated.status == 65, "stderr: \(simulated.standardError)")
        #expect(planned.standardError == simulated.standardError)
        #expect(planned.standardError.hasPrefix("smpctl: \(board): \(path): found "), "\(planned.standardError)")
        #expect(planned.standardError.split(separator: "\n").count == 1)
        #expect(planned.standardOutput.isEmpty && simulated.standardOutput.isEmpty)
    }

    @Test("an installed smpctl serves the simulator from any directory, and so do --hardware and SMPCTL_HARDWARE")
    func simFromAnotherDirectory() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let installed = try scratch.install()
        let elsewhere = scratch.root.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        let hardware = SMPCtlProcess.repositoryRoot.appendingPathComponent("Hardware").path
        var withVariable = Self.cleanEnvironment
        withVariable[HardwareDirectory.environmentVariable] = hardware
        let runs: [(URL, [String], [String: String])] = [
            (installed, [], Self.cleanEnvironment),
            (SMPCtlProcess.executable, ["--hardware", hardware], Self.cleanEnvironment),
            (SMPCtlProcess.executable, [], withVariable),
        ]
        for (executable, extra, environment) in runs {
            let process = Process()
            process.executableURL = executable
            process.arguments = ["sim", "--pty"] + extra
            process.environment = environment
            process.currentDirectoryURL = elsewhere
            let output = Pipe()
            let errors = Pipe()
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            var firstLine = Data()
            while !firstLine.contains(UInt8(ascii: "\n")) {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                firstLine.append(chunk)
            }
            process.interrupt()
            _ = output.fileHandleForReading.readDataToEndOfFile()
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            let path = String(decoding: firstLine, as: UTF8.self)
            #expect(path.hasPrefix("/dev/pts/"), "\(executable.path) \(extra): \(path) \(stderr)")
            #expect(process.terminationStatus == 0, "\(executable.path) \(extra): \(stderr)")
        }
    }

    @Test("without any Hardware/ to find, sim exits 69 naming every place it looked, on one line")
    func simWithNothingToFind() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let result = try SMPCtlProcess.run(["sim", "--pty"], environment: Self.cleanEnvironment, in: scratch.root)
        #expect(result.status == 69, "stderr: \(result.standardError)")
        #expect(result.standardError.split(separator: "\n").count == 1)
        #expect(result.standardError.contains(scratch.root.appendingPathComponent("Hardware").path))
        #expect(result.standardError.contains("share/smpctl/Hardware"))
    }

    @Test("ports --hardware with an empty directory exits 66 with one line naming it")
    func portsEmptyHardware() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let empty = scratch.root.appendingPathComponent("empty").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let result = try SMPCtlProcess.run(
            ["ports", "--hardware", empty], environment: Self.cleanEnvironment, in: scratch.root)
        #expect(result.status == 66, "stderr: \(result.standardError)")
        #expect(result.standardOutput.isEmpty)
        #expect(
            result.standardError
                == "smpctl: \(empty): found a directory with no <model>/board.json in it (from --hardware); "
                + "expected a Hardware/ directory holding <model>/board.json\n")
    }
}
