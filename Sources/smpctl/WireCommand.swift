import ArgumentParser
import Foundation
import SMPWire

/// `smpctl wire`: tools for the protocol itself.
struct WireCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wire",
        abstract: "Work with smp-wire protocol bytes (Docs/Protocol.md).",
        subcommands: [WireDecodeCommand.self]
    )
}

/// `smpctl wire decode`: a protocol analyser for captures.
struct WireDecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode",
        abstract: "Decode a byte capture into frames and messages, one per line.",
        discussion: """
            Reads a capture of one direction of the link (binary, or hex text with --hex: pairs of hex digits, \
            whitespace, '0x' prefixes and '#' comments allowed). Bad frames are reported with their byte offset \
            and reason, and decoding goes on after them. Exit 0 when the capture was read, whatever it held.
            """
    )

    @Argument(help: "The capture file, or - for standard input.")
    var input: String = "-"

    @Flag(help: "The input is hex text rather than raw bytes.")
    var hex = false

    @Flag(help: "Print one JSON document (records and counts) instead of lines.")
    var json = false

    func run() throws {
        let data = try readInput()
        let bytes = hex ? try HexCapture.parse(data, source: input == "-" ? "standard input" : input) : [UInt8](data)
        var analyzer = CaptureAnalyzer()
        let records = analyzer.feed(bytes)
        let counters = analyzer.counters
        if json {
            try Output.json(
                DecodeReport(
                    records: records, bytes: counters.bytes, frames: counters.frames, heartbeats: counters.heartbeats,
                    errors: counters.errors))
        } else {
            for record in records { Output.line(record.line) }
            Output.diagnostic(
                "\(counters.bytes) bytes: \(counters.frames) frames, \(counters.heartbeats) heartbeats, "
                    + "\(counters.errors) errors")
        }
    }

    private func readInput() throws -> Data {
        if input == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: input))
        } catch {
            let reason = (error as NSError).localizedFailureReason ?? error.localizedDescription
            throw CommandFailure(.ioError, "\(input): cannot read capture: \(reason)")
        }
    }
}

struct DecodeReport: Encodable {
    var records: [CaptureAnalyzer.Record]
    var bytes: UInt64
    var frames: UInt64
    var heartbeats: UInt64
    var errors: UInt64
}

/// Hex text as people and tools write it: `7e 08 ff`, `0x7e,0x08`, one byte a line, with `#` comments.
enum HexCapture {
    static func parse(_ data: Data, source: String) throws -> [UInt8] {
        guard let text = String(data: data, encoding: .utf8) else {
            throw CommandFailure(.dataError, "\(source): hex capture is not UTF-8 text")
        }
        var bytes: [UInt8] = []
        for (lineIndex, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            var digits: [Character] = []
            var column = 0
            for character in content {
                column += 1
                if character.isWhitespace || character == "," || character == ":" { continue }
                digits.append(character)
            }
            var cleaned = String(digits).lowercased()
            cleaned = cleaned.replacingOccurrences(of: "0x", with: "")
            guard cleaned.count % 2 == 0 else {
                throw CommandFailure(
                    .dataError, "\(source): line \(lineIndex + 1): odd number of hex digits (expected byte pairs)")
            }
            var index = cleaned.startIndex
            while index < cleaned.endIndex {
                let next = cleaned.index(index, offsetBy: 2)
                guard let byte = UInt8(cleaned[index..<next], radix: 16) else {
                    throw CommandFailure(
                        .dataError,
                        "\(source): line \(lineIndex + 1): '\(cleaned[index..<next])' is not a hex byte")
                }
                bytes.append(byte)
                index = next
            }
        }
        return bytes
    }
}
