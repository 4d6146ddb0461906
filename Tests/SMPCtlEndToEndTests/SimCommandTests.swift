import Foundation
import Testing

/// `smpctl sim` as a user runs it: bad input is refused with the right exit code before anything is served, and a
/// served board stops cleanly on SIGINT with its summary and ground truth.
@Suite("smpctl sim, end to end")
struct SimCommandTests {
    @Test(
        "bad flags and files exit 64, 65 or 66 with one line naming the flag or file",
        arguments: [
            (["sim", "--pty", "--skin", "purple"], Int32(64), "--skin"),
            (["sim", "--pty", "--skin", "keloid"], Int32(64), "keloid"),
            (["sim", "--pty", "--faults", "drop=2"], Int32(64), "drop"),
            (["sim", "--pty", "--faults", "explode=1"], Int32(64), "explode"),
            (["sim", "--pty", "--board", "/nonexistent/board.json"], Int32(66), "/nonexistent/board.json"),
            (["sim", "--pty", "--board", "README.md"], Int32(65), "README.md"),
            (
                ["sim", "--pty", "--hardware", "/nonexistent/hw", "--board", "b.json", "--handpiece", "h.json"],
                Int32(66), "/nonexistent/hw"
            ),
        ])
    func refused(arguments: [String], status: Int32, named: String) throws {
        let result = try SMPCtlProcess.run(arguments)
        #expect(result.status == status, "stderr: \(result.standardError)")
        #expect(result.standardOutput.isEmpty)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1, "stderr: \(result.standardError)")
        #expect(result.standardError.contains(named), "stderr: \(result.standardError)")
    }

    @Test("serves on a pseudo-terminal, prints its path first, and on SIGINT prints a summary and writes the truth")
    func servesAndStops() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smpctl-sim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let truth = directory.appendingPathComponent("truth.json")
        let process = Process()
        process.executableURL = SMPCtlProcess.executable
        process.arguments = ["sim", "--pty", "--seed", "3", "--truth", truth.path, "--json"]
        process.currentDirectoryURL = SMPCtlProcess.repositoryRoot
        let output = Pipe()
        process.standardOutput = output
        process.standardError = Pipe()
        try process.run()
        let reader = output.fileHandleForReading
        var firstLine = Data()
        while !firstLine.contains(UInt8(ascii: "\n")) {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            firstLine.append(chunk)
        }
        let path = String(decoding: firstLine, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
        #expect(path.hasPrefix("/dev/pts/"), "first line: \(path)")
        #expect(FileManager.default.fileExists(atPath: path))
        process.interrupt()
        let rest = reader.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let summaryText = String(decoding: firstLine + rest, as: UTF8.self).split(separator: "\n", maxSplits: 1)
            .dropFirst().joined()
        let summary = try #require(
            try JSONSerialization.jsonObject(with: Data(summaryText.utf8)) as? [String: Any], "summary: \(summaryText)")
        #expect(!summary.isEmpty)
        let truthDocument = try JSONSerialization.jsonObject(with: Data(contentsOf: truth))
        #expect(truthDocument is [String: Any])
    }
}
