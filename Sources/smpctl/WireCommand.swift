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
        let bytes = hex ? try hexBytes(data) : [UInt8](data)
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

    private var sourceName: String { input == "-" ? "standard input" : input }

    private func hexBytes(_ data: Data) throws -> [UInt8] {
        guard let text = String(data: data, encoding: .utf8) else {
            throw CommandFailure(.dataError, "\(sourceName): hex capture is not UTF-8 text")
        }
        do {
            return try HexText.bytes(from: text)
        } catch {
            throw CommandFailure(.dataError, "\(sourceName): \(error)")
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
