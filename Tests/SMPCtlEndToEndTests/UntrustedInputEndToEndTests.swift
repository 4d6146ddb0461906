import Foundation
import Glibc
import SMPBoardSim
import SMPHardware
import SMPSerialTesting
import SMPSystem
import SMPWire
import Testing

/// Bad command lines and hostile files and devices, as issue 10 found them: each exits with its sysexits status
/// and one line, destroys nothing, and prints no control character that came from outside.
@Suite("Untrusted input and the command line, end to end")
struct UntrustedInputEndToEndTests {
    @Test(
        "numeric options out of range, negative or not numbers: exit 64 with one line naming the option",
        arguments: [
            (["identify", "--port", "/dev/null", "--timeout", "9223372036854776"], "--timeout 9223372036854776"),
            (["identify", "--port", "/dev/null", "--timeout", "99"], "--timeout 99"),
            (["identify", "--port", "/dev/null", "--timeout", "99999999999999999999999"], "--timeout"),
            (["identify", "--port", "/dev/null", "--baud", "-5"], "--baud -5: out of range"),
            (["identify", "--port", "/dev/null", "--baud", "0"], "--baud 0: out of range"),
            (["sim", "--pty", "--seed", "-1"], "'-1' is invalid for '--seed"),
            (["sim", "--pty", "--seed", "18446744073709551616"], "--seed"),
            (["dry-run", "Examples/quick.json", "--seed", "-1"], "'-1' is invalid for '--seed"),
            (
                ["calibrate", "--port", "sim", "--skin", "thin", "--plan", "Examples/quick.json", "--seed", "-5"],
                "--seed"
            ),
            (
                ["pigment", "match", "--hair", "101010", "--skin", "fitzpatrick-1-3", "--sessions", "-1"],
                "--sessions -1: out of range"
            ),
            (
                ["pigment", "match", "--hair", "101010", "--skin", "fitzpatrick-1-3", "--sessions", "100000"],
                "--sessions 100000: out of range"
            ),
            (
                ["pigment", "match", "--hair", "101010", "--skin", "fitzpatrick-1-3", "--depth", "-0.5"],
                "--depth -0.5: out of range"
            ),
        ])
    func numericOptions(arguments: [String], named: String) throws {
        let result = try SMPCtlProcess.run(arguments)
        #expect(result.status == 64, "stderr: \(result.standardError)")
        #expect(result.standardError.contains(named), "stderr: \(result.standardError)")
        #expect(!result.standardError.contains("Missing value"))
        #expect(result.standardError.filter { $0 == "\n" }.count == 1, "stderr: \(result.standardError)")
        #expect(result.standardOutput.isEmpty)
    }

    @Test(
        "usage errors print one line, not ArgumentParser's usage and help hint",
        arguments: [
            ["plan"], ["plan", "a", "b"], ["bogus"], ["identify", "--port", "x", "--frob"], ["wire", "decode", "-x"],
        ])
    func usageIsOneLine(arguments: [String]) throws {
        let result = try SMPCtlProcess.run(arguments)
        #expect(result.status == 64, "stderr: \(result.standardError)")
        #expect(result.standardError.hasPrefix("smpctl: "))
        #expect(result.standardError.filter { $0 == "\n" }.count == 1, "stderr: \(result.standardError)")
        #expect(!result.standardError.contains("Usage:"))
    }

    @Test(
        "--help, help COMMAND and a command group alone still print the help, exit 0",
        arguments: [
            ["plan", "--help"], ["help", "plan"], ["wire"],
        ])
    func helpStillWorks(arguments: [String]) throws {
        let result = try SMPCtlProcess.run(arguments)
        #expect(result.status == 0, "stderr: \(result.standardError)")
        #expect(result.standardOutput.contains("USAGE: smpctl"))
    }

    @Test(
        "a missing or unreadable plan, board, dots file or capture exits 66 naming it, in one line",
        arguments: [
            (["plan", "/nonexistent/plan.json"], "/nonexistent/plan.json: does not exist"),
            (["plan", "/tmp"], "/tmp: is a directory; expected a plan file"),
            (["plan", "/dev/zero"], "/dev/zero: is a character device; expected a plan file"),
            (["plan", "Examples/quick.json", "--board", "/nonexistent/b.json"], "/nonexistent/b.json: does not exist"),
            (["plan", "Examples/quick.json", "--previous", "/tmp"], "/tmp: is a directory; expected a dots file"),
            (["wire", "decode", "/nonexistent/capture.bin"], "/nonexistent/capture.bin: does not exist"),
            (["wire", "decode", "/tmp"], "/tmp: is a directory; expected a capture"),
            (["sim", "--pty", "--board", "/nonexistent/board.json"], "/nonexistent/board.json: does not exist"),
            (["sim", "--pty", "--handpiece", "/tmp"], "/tmp: is a directory"),
        ])
    func missingInput(arguments: [String], message: String) throws {
        let result = try SMPCtlProcess.run(arguments)
        #expect(result.status == 66, "stderr: \(result.standardError)")
        #expect(result.standardError.hasPrefix("smpctl: \(message)"), "stderr: \(result.standardError)")
        #expect(result.standardError.filter { $0 == "\n" }.count == 1, "stderr: \(result.standardError)")
        #expect(!result.standardError.contains("NSCocoaErrorDomain"))
        #expect(!result.standardError.contains("permission"))
    }

    @Test("a FIFO as the plan is refused at once (no hang waiting for a writer), exit 66")
    func fifoPlan() throws {
        let directory = try TemporaryDirectory()
        let fifo = directory.path + "/plan.json"
        try #require(mkfifo(fifo, 0o600) == 0)
        let result = try SMPCtlProcess.run(["plan", fifo])
        #expect(result.status == 66)
        #expect(result.standardError == "smpctl: \(fifo): is a FIFO; expected a plan file (smpctl-plan/1 JSON)\n")
    }

    @Test(
        "plan --out refuses device nodes, links and FIFOs before any work, and leaves them as they were",
        arguments: ["device", "link", "fifo", "directory"])
    func outRefusesNonRegularFiles(target: String) throws {
        let directory = try TemporaryDirectory()
        let keep = directory.path + "/keep.json"
        try Data("keep".utf8).write(to: URL(fileURLWithPath: keep))
        var path = target
        switch target {
        case "device":
            path = directory.characterDevice(named: "full")
        case "link":
            path = directory.path + "/link.json"
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: keep)
        case "fifo":
            path = directory.path + "/fifo.json"
            try #require(mkfifo(path, 0o600) == 0)
        case "directory":
            path = directory.path
        default:
            break
        }
        var before = stat()
        try #require(lstat(path, &before) == 0)
        let result = try SMPCtlProcess.run(["plan", "Examples/quick.json", "--out", path])
        #expect(result.status == 73, "stderr: \(result.standardError)")
        #expect(result.standardError.hasPrefix("smpctl: \(path): is a"))
        #expect(result.standardError.contains("not a regular file"))
        #expect(result.standardOutput.isEmpty)
        var after = stat()
        try #require(lstat(path, &after) == 0)
        #expect(after.st_mode == before.st_mode)
        #expect(after.st_ino == before.st_ino)
        #expect(after.st_rdev == before.st_rdev)
        #expect(try String(contentsOfFile: keep, encoding: .utf8) == "keep")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.contains(".tmp-")
        }
        #expect(leftovers.isEmpty)
    }

    @Test("plan --out - writes the dots to stdout and the summary to stderr")
    func outDashIsStandardOutput() throws {
        let result = try SMPCtlProcess.run(["plan", "Examples/quick.json", "--out", "-"])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect(document["format"] as? String == "smpctl-dots/1")
        #expect(result.standardError.contains("wrote the dots to standard output"))
    }

    @Test("plan --out into a missing directory fails before planning, exit 73, nothing created")
    func outIntoMissingDirectory() throws {
        let result = try SMPCtlProcess.run(["plan", "Examples/quick.json", "--out", "/nonexistent/dir/dots.json"])
        #expect(result.status == 73)
        #expect(
            result.standardError == "smpctl: /nonexistent/dir/dots.json: directory /nonexistent/dir does not exist\n")
    }

    @Test("sim --truth into a missing directory, onto a device or a link is refused before serving anything")
    func truthPathCheckedFirst() throws {
        let directory = try TemporaryDirectory()
        let link = directory.path + "/stdout"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/proc/self/fd/1")
        for path in ["/nonexistent/dir/t.json", directory.characterDevice(named: "full"), link] {
            let result = try SMPCtlProcess.run(["sim", "--pty", "--truth", path])
            #expect(result.status == 73, "\(path): \(result.standardError)")
            #expect(result.standardError.hasPrefix("smpctl: \(path): "))
            // Refused before the pseudo-terminal was opened: no device path on stdout.
            #expect(result.standardOutput.isEmpty)
        }
    }

    @Test("region names with escape sequences and newlines reach the terminal escaped, from plan and its errors")
    func regionNamesAreEscaped() throws {
        let directory = try TemporaryDirectory()
        let plan = try String(
            contentsOfFile: SMPCtlProcess.repositoryRoot.path + "/Examples/quick.json", encoding: .utf8)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(plan.utf8)) as? [String: Any])
        var regions = try #require(document["regions"] as? [[String: Any]])
        regions[0]["name"] = "crown\u{1B}[31m\nred\u{9B}2J"
        var hostile = document
        hostile["regions"] = regions
        let hostilePath = directory.path + "/hostile.json"
        try JSONSerialization.data(withJSONObject: hostile).write(to: URL(fileURLWithPath: hostilePath))
        for arguments in [["plan", hostilePath], ["plan", hostilePath, "--json"]] {
            let result = try SMPCtlProcess.run(arguments)
            let everything = result.standardOutput + result.standardError
            #expect(!everything.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{9B}" }, "\(arguments)")
            if result.status == 0 && !arguments.contains("--json") {
                #expect(result.standardOutput.contains("crown\\e[31m\\nred\\u{9B}2J"))
            }
        }
        // A duplicate name is an error that quotes the name: escaped too.
        regions.append(regions[0])
        hostile["regions"] = regions
        try JSONSerialization.data(withJSONObject: hostile).write(to: URL(fileURLWithPath: hostilePath))
        let refused = try SMPCtlProcess.run(["plan", hostilePath])
        #expect(refused.status != 0)
        #expect(!refused.standardError.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{9B}" })
        #expect(refused.standardError.filter { $0 == "\n" }.count == 1, "stderr: \(refused.standardError)")
    }

    @Test("wire decode escapes a hello's strings; identify escapes the firmware string")
    func deviceStringsAreEscaped() throws {
        let board = try PseudoTerminalBoard(firmwareVersion: "evil\u{1B}[2J\r", serialNumber: "S\u{7}")
        defer { board.stop() }
        let identify = try SMPCtlProcess.run(["identify", "--port", board.slavePath])
        #expect(identify.status == 0, "stderr: \(identify.standardError)")
        #expect(identify.standardOutput.contains("firmware evil\\e[2J\\r, serial S\\x07"))
        #expect(!identify.standardOutput.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })

        let hello = BoardHello(
            sessionID: 7, boardModel: "m\u{1B}]0;title\u{7}", firmwareVersion: "f\u{1B}[2J", serialNumber: "s",
            clockHertz: 1_000_000, queueCapacity: 128, limits: BoardLimits(BoardDefinition.r1), boardTime: 0,
            lastCompletedDot: 0,
            pendingCompletions: 0, handpieceModel: "rotary-r1", cartridge: "3RL 0.25", surfaceMode: .unmapped)
        let capture = try HostilePeer.frame(.boardHello(hello))
        for arguments in [["wire", "decode"], ["wire", "decode", "--json"]] {
            let result = try SMPCtlProcess.run(arguments, standardInput: Data(capture))
            #expect(result.status == 0)
            #expect(result.standardOutput.contains("board_hello"), "\(result.standardOutput)")
            #expect(!result.standardOutput.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        }
    }

    @Test("the test runner reads stdout and stderr at once: a child filling stderr first does not deadlock it")
    func runnerReadsBothPipes() throws {
        let result = try SMPCtlProcess.run(
            ["-c", "head -c 1000000 /dev/zero >&2; echo out"], program: URL(fileURLWithPath: "/bin/sh"))
        #expect(result.status == 0)
        #expect(result.standardOutput == "out\n")
        #expect(result.standardError.utf8.count == 1_000_000)
    }
}

/// A temporary directory removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("smpctl-e2e-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// A character device to aim outputs at. As root, a private copy of /dev/full made here with mknod, so that a
    /// regression replaces that copy and never the system's node; otherwise /dev/full itself, which a user
    /// without root cannot replace.
    func characterDevice(named name: String) -> String {
        let node = path + "/" + name
        // /dev/full is major 1, minor 7: (1 << 8) | 7 in the kernel's old 16-bit encoding, which glibc accepts.
        return mknod(node, S_IFCHR | 0o666, dev_t((1 << 8) | 7)) == 0 ? node : "/dev/full"
    }
}

@Suite("smpctl sim, a truth file lost during the session")
struct SimTruthLostTests {
    @Test("the truth's directory removed while serving: the summary is still printed, then one error line, exit 74")
    func summarySurvivesAFailedTruth() throws {
        let directory = try TemporaryDirectory()
        let truth = directory.path + "/sub/truth.json"
        try FileManager.default.createDirectory(atPath: directory.path + "/sub", withIntermediateDirectories: false)
        let process = Process()
        process.executableURL = SMPCtlProcess.executable
        process.arguments = ["sim", "--pty", "--truth", truth]
        process.currentDirectoryURL = SMPCtlProcess.repositoryRoot
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let errors = ConcurrentRead(error.fileHandleForReading)
        var firstLine = Data()
        while !firstLine.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            firstLine.append(chunk)
        }
        try #require(String(decoding: firstLine, as: UTF8.self).hasPrefix("/dev/pts/"))
        try FileManager.default.removeItem(atPath: directory.path + "/sub")
        process.interrupt()
        let rest = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.wait(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 74)
        let stdout = String(decoding: firstLine + rest, as: UTF8.self)
        #expect(stdout.contains("dots: "), "stdout: \(stdout)")
        #expect(stdout.contains("truth not written (the write failed, see below)"))
        let lastLine = errorText.split(separator: "\n").last.map(String.init) ?? ""
        #expect(lastLine.hasPrefix("smpctl: \(truth): directory"), "stderr: \(errorText)")
    }
}
