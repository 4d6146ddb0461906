import Foundation
import Testing

@testable import SMPWire

/// `wire decode` reads in chunks: the streaming hex decoder and the analyser's stream must give what decoding the
/// whole capture at once gives, wherever the chunks are cut.
@Suite("Streaming capture decoding")
struct StreamingDecodeTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Hardware/smp-driver-r1/captures")

    static func capture(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    @Test("hex text cut into chunks of every size from 1 to 97 bytes decodes to the same bytes")
    func hexInChunks() throws {
        let text = try Self.capture("session-board-to-host.hex") + "\n0x7e,0X08 # trailing comment 7e\n"
        let whole = try HexText.bytes(from: text)
        try #require(whole.count > 300)
        let utf8 = Array(text.utf8)
        for size in 1...97 {
            var decoder = HexText.Decoder()
            var bytes: [UInt8] = []
            for start in stride(from: 0, to: utf8.count, by: size) {
                bytes += try decoder.feed(utf8[start..<min(start + size, utf8.count)])
            }
            bytes += try decoder.finish()
            #expect(bytes == whole, "chunks of \(size)")
        }
    }

    @Test("an error found in a later chunk names the same line and column as in the whole text")
    func errorPositionAcrossChunks() throws {
        let text = Array("7e 04\n05 3d\n# zz\n 7e 0z\n".utf8)
        var decoder = HexText.Decoder()
        #expect(try decoder.feed(text[0..<14]) == [0x7E, 0x04, 0x05, 0x3D])
        #expect(throws: HexText.ParseError(line: 4, column: 6, reason: "'z' is not a hex digit")) {
            try decoder.feed(text[14...])
        }
        var lone = HexText.Decoder()
        _ = try lone.feed(Array("7e 0".utf8))
        #expect(throws: HexText.ParseError(line: 1, column: 4, reason: "a lone hex digit (bytes are pairs)")) {
            try lone.finish()
        }
        #expect(throws: HexText.ParseError(line: 1, column: 2, reason: "byte 0x1B is not a hex digit")) {
            try HexText.bytes(from: "7\u{1B}")
        }
    }

    @Test("records streamed chunk by chunk equal the records of the whole capture, heartbeat runs included")
    func recordsInChunks() throws {
        let bytes = try HexText.bytes(from: Self.capture("session-board-to-host.hex"))
        var whole = CaptureAnalyzer()
        let expected = whole.feed(bytes)
        try #require(expected.contains { $0.kind == .heartbeat && ($0.count ?? 0) > 1 })
        for size in [1, 2, 3, 7, 64, 1000] {
            var analyzer = CaptureAnalyzer()
            var records: [CaptureAnalyzer.Record] = []
            for start in stride(from: 0, to: bytes.count, by: size) {
                analyzer.stream(bytes[start..<min(start + size, bytes.count)]) { records.append($0) }
            }
            analyzer.flush { records.append($0) }
            #expect(records == expected, "chunks of \(size)")
            #expect(analyzer.counters == whole.counters)
        }
    }
}
