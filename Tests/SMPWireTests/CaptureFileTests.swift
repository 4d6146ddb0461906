import Foundation
import SMPWireTesting
import Testing

@testable import SMPWire

/// Hardware/smp-driver-r1/captures/: both directions of the start of a 40-dot session, as hex a person can read and
/// `smpctl wire decode --hex` can decode. Regenerated with the vectors (`SMP_REGENERATE_VECTORS=1`).
@Suite("Example captures")
struct CaptureFileTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Hardware/smp-driver-r1/captures")

    static func hexLines(_ bytes: [UInt8], title: String) -> String {
        var text =
            "# \(title)\n# smp-wire v\(WireSchema.protocolVersion), schema 0x\(hex32(WireSchema.hash)); decode with: smpctl wire decode --hex FILE\n"
        var line: [String] = []
        for byte in bytes {
            line.append((byte < 16 ? "0" : "") + String(byte, radix: 16))
            // One frame a line where possible: break after each delimiter and heartbeat.
            if byte == FramingByte.delimiter || byte == FramingByte.heartbeat || line.count == 32 {
                text += line.joined(separator: " ") + "\n"
                line.removeAll()
            }
        }
        if !line.isEmpty { text += line.joined(separator: " ") + "\n" }
        return text
    }

    static func session() -> SessionScenario.Result {
        var configuration = SessionScenario.Configuration(dotCount: 40, seed: 3)
        configuration.recordsCaptures = true
        return SessionScenario.run(configuration)
    }

    @Test(
        "regenerate the captures when asked",
        .enabled(if: ProcessInfo.processInfo.environment["SMP_REGENERATE_VECTORS"] == "1"))
    func regenerate() throws {
        let result = Self.session()
        try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
        try Self.hexLines(
            result.hostToBoardCapture ?? [], title: "host -> board, a 40-dot session (SessionScenario seed 3)"
        )
        .write(
            to: Self.directory.appendingPathComponent("session-host-to-board.hex"), atomically: true, encoding: .utf8)
        try Self.hexLines(result.boardToHostCapture ?? [], title: "board -> host, the same session")
            .write(
                to: Self.directory.appendingPathComponent("session-board-to-host.hex"), atomically: true,
                encoding: .utf8)
    }

    @Test("the checked-in captures decode without an error and carry the whole session")
    func capturesDecode() throws {
        var dots: Set<UInt32> = []
        var completions: Set<UInt32> = []
        for name in ["session-host-to-board.hex", "session-board-to-host.hex"] {
            let text = try String(contentsOf: Self.directory.appendingPathComponent(name), encoding: .utf8)
            var analyzer = CaptureAnalyzer()
            let records = analyzer.feed(try HexText.bytes(from: text))
            #expect(analyzer.counters.errors == 0, "\(name)")
            for record in records {
                switch record.message {
                case .dotTrain(let train)?: dots.formUnion(train.dots.map(\.id))
                case .completions(let batch)?: completions.formUnion(batch.completions.map(\.dotID))
                default: break
                }
            }
        }
        #expect(dots == Set(1...40))
        #expect(completions == Set(1...40))
    }
}
