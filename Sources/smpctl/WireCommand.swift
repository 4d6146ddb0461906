import ArgumentParser
import Foundation
import SMPSystem
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
            and reason, and decoding goes on after them. Decodes as it reads, in bounded memory, so it works on \
            live pipes and serial devices as on files (--json writes its records as they come and the counts \
            last). Exit 0 when the capture was read, whatever it held; 66 when it cannot be opened; 65 for bad \
            hex text; 74 when reading fails.
            """
    )

    @Argument(help: "The capture file, or - for standard input.")
    var input: String = "-"

    @Flag(help: "The input is hex text rather than raw bytes.")
    var hex = false

    @Flag(help: "Print one JSON document (records and counts) instead of lines.")
    var json = false

    func run() throws {
        let descriptor: Int32
        do {
            descriptor = try InputFile.open(
                input, expected: "a capture (raw bytes, or hex text with --hex)",
                alsoAllowed: [.fifo, .characterDevice])
        } catch {
            throw CommandFailure(.noInput, error.description)
        }
        defer { SystemCall.close(descriptor) }
        var analyzer = CaptureAnalyzer()
        var hexDecoder = HexText.Decoder()
        var output = DecodeOutput(json: json)
        var chunk = [UInt8](repeating: 0, count: Self.readSize)
        while true {
            let count: Int
            do {
                count = try SystemCall.run("read") { read(descriptor, &chunk, chunk.count) }
            } catch {
                throw CommandFailure(.ioError, "\(sourceName): cannot read capture: \(error.message)")
            }
            if count == 0 { break }
            let bytes = hex ? try hexBytes(chunk[0..<count], &hexDecoder) : Array(chunk[0..<count])
            analyzer.stream(bytes) { output.add($0) }
            // A short read means the input is idle (a live pipe): show a heartbeat run held so far.
            if count < chunk.count { analyzer.flush { output.add($0) } }
            try output.flush()
        }
        if hex { _ = try hexBytes([], &hexDecoder, finishing: true) }
        analyzer.flush { output.add($0) }
        try output.finish(analyzer.counters)
    }

    /// Bytes read at a time; also the most output held before it is written.
    static let readSize = 65_536

    private var sourceName: String { input == "-" ? "standard input" : input }

    private func hexBytes(
        _ text: ArraySlice<UInt8>, _ decoder: inout HexText.Decoder, finishing: Bool = false
    ) throws -> [UInt8] {
        do {
            return finishing ? try decoder.finish() : try decoder.feed(text)
        } catch {
            throw CommandFailure(.dataError, "\(sourceName): \(error)")
        }
    }
}

/// What `wire decode` prints, written as decoding goes: one line per record (text), or one JSON document whose
/// records are written as they come and whose counts close it (`{"records":[...],"bytes":..,"errors":..,
/// "frames":..,"heartbeats":..}`, keys sorted inside each record).
private struct DecodeOutput {
    let json: Bool
    private var buffer: [UInt8] = []
    private var recordsWritten = 0
    private let encoder: JSONEncoder

    init(json: Bool) {
        self.json = json
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
    }

    mutating func add(_ record: CaptureAnalyzer.Record) {
        if json {
            buffer.append(contentsOf: (recordsWritten == 0 ? "{\"records\":[\n" : ",\n").utf8)
            let encoded = (try? encoder.encode(record)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
            buffer.append(contentsOf: TerminalSafeText.escapedJSON(encoded).utf8)
        } else {
            buffer.append(contentsOf: TerminalSafeText.escaped(record.line).utf8)
            buffer.append(0x0A)
        }
        recordsWritten += 1
    }

    /// Writes what is buffered to stdout.
    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        do {
            try SystemCall.writeAll(STDOUT_FILENO, buffer)
        } catch {
            throw CommandFailure(.ioError, "standard output: cannot write: \(error.message)")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    mutating func finish(_ counters: FrameDecoder.Counters) throws {
        if json {
            buffer += Array((recordsWritten == 0 ? "{\"records\":[" : "\n").utf8)
            buffer += Array(
                ("],\"bytes\":\(counters.bytes),\"errors\":\(counters.errors),\"frames\":\(counters.frames),"
                    + "\"heartbeats\":\(counters.heartbeats)}\n").utf8)
            try flush()
        } else {
            try flush()
            Output.diagnostic(
                "\(counters.bytes) bytes: \(counters.frames) frames, \(counters.heartbeats) heartbeats, "
                    + "\(counters.errors) errors")
        }
    }
}
