import Foundation
import SMPWire
import Testing

/// `smpctl wire decode` on the checked-in captures and on bad input, as a user runs it.
@Suite("smpctl wire decode, end to end")
struct WireDecodeEndToEndTests {
    static let capture = "Hardware/smp-driver-r1/captures/session-board-to-host.hex"

    @Test("a hex capture decodes to one line per frame, with counts on stderr")
    func hexCapture() throws {
        let result = try SMPCtlProcess.run(["wire", "decode", "--hex", Self.capture])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n")
        #expect(lines.first?.contains("board_hello v\(WireSchema.protocolVersion)") == true)
        // The controller's session of the capture reports its first dots in the first batch.
        #expect(lines.contains { $0.contains("completions 7 dots ids 1-7") })
        #expect(result.standardError.contains("0 errors"))
    }

    @Test("--json is one document with records and counts")
    func json() throws {
        let result = try SMPCtlProcess.run(["wire", "decode", "--hex", "--json", Self.capture])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let records = try #require(document["records"] as? [[String: Any]])
        #expect(document["errors"] as? Int == 0)
        #expect((document["frames"] as? Int ?? 0) >= 3)
        let kinds = Set(records.compactMap { $0["kind"] as? String })
        #expect(kinds == ["frame", "heartbeat"])
        let completions = records.compactMap { ($0["message"] as? [String: Any]) }.filter {
            $0["type"] as? String == "completions"
        }
        #expect(!completions.isEmpty)
    }

    @Test("binary from stdin, with garbage: bad frames are reported with offsets and decoding goes on")
    func binaryWithGarbage() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "smpctl-wire-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // A frame, garbage, a frame: the garbage costs exactly one error and nothing else.
        // A link-only frame (ack 5, credit 125), checked with this build's schema hash.
        var encoder = FrameEncoder()
        var frame: [UInt8] = []
        try encoder.encode(
            Frame(acknowledgement: 5, credit: 125, body: .linkOnly), into: &frame, leadingDelimiter: false)
        let bytes: [UInt8] = [0x7E] + frame + [0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x7E] + frame
        let file = directory.appendingPathComponent("capture.bin")
        try Data(bytes).write(to: file)
        let result = try SMPCtlProcess.run(["wire", "decode", file.path])
        #expect(result.status == 0)
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[1].hasPrefix("@\(1 + frame.count) ERROR frame check failed"))
        #expect(lines[0].contains("credit 125") && lines[2].contains("credit 125"))
    }

    @Test("bad hex exits 65 naming the file, line and column; a missing file exits 66 naming it")
    func badInput() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "smpctl-wire-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("bad.hex")
        try "7e 04 05\n3d zz 7e\n".write(to: file, atomically: true, encoding: .utf8)
        let bad = try SMPCtlProcess.run(["wire", "decode", "--hex", file.path])
        #expect(bad.status == 65)
        #expect(bad.standardError == "smpctl: \(file.path): line 2, column 4: 'z' is not a hex digit\n")
        let missing = try SMPCtlProcess.run(["wire", "decode", "/nonexistent/capture.bin"])
        #expect(missing.status == 66)
        #expect(missing.standardError.hasPrefix("smpctl: /nonexistent/capture.bin: does not exist"))
    }
}
