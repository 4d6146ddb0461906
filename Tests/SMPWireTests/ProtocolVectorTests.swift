import Foundation
import SMPChecksum
import Testing

@testable import SMPWire

/// Hardware/smp-driver-r1/protocol-vectors.json: byte-exact examples that a board implementation must reproduce.
/// Checked both ways: the message in the file encodes to the file's bytes, and the bytes decode to the message.
/// Regenerate after a deliberate protocol change with `SMP_REGENERATE_VECTORS=1 swift test --filter ProtocolVector`.
@Suite("Protocol vectors")
struct ProtocolVectorTests {
    struct VectorFile: Codable {
        var format: String
        var protocolVersion: Int
        var schemaHash: String
        var crc32cCheck: CRCCheck
        var vectors: [Vector]
    }

    struct CRCCheck: Codable {
        var ascii: String
        var crc32c: String
    }

    struct Vector: Codable {
        var name: String
        var direction: String
        var acknowledgement: UInt8
        var negativeAcknowledgement: Bool
        var credit: UInt32?
        var sequence: UInt8?
        var handshake: Bool
        var message: Message?
        var payloadHex: String?
        var wireHex: String
    }

    static let fileURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Hardware/smp-driver-r1/protocol-vectors.json")

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
    }

    static func bytes(hex: String) -> [UInt8] {
        hex.split(separator: " ").compactMap { UInt8($0, radix: 16) }
    }

    static func frame(for vector: Vector) throws -> Frame {
        let body: Frame.Body
        if let message = vector.message {
            let raw = try message.encoded()
            body = vector.handshake ? .handshake(raw) : .sequenced(sequence: vector.sequence ?? 0, message: raw)
        } else {
            body = .linkOnly
        }
        return Frame(
            acknowledgement: vector.acknowledgement, isNegativeAcknowledgement: vector.negativeAcknowledgement,
            credit: vector.credit, body: body)
    }

    /// The catalogue the file is generated from: one vector per message type plus the link-only frames.
    static func catalogue() throws -> [Vector] {
        var vectors: [Vector] = []
        var sequence: UInt8 = 0
        for message in Samples.everyMessage {
            let fromBoard = message.type.isFromBoard
            var vector = Vector(
                name: message.type.name, direction: fromBoard ? "board_to_host" : "host_to_board",
                acknowledgement: message.type.isHandshake ? 0xFF : 3, negativeAcknowledgement: false,
                credit: fromBoard && !message.type.isHandshake ? 40 : nil,
                sequence: message.type.isHandshake ? nil : sequence, handshake: message.type.isHandshake,
                message: message, payloadHex: hex(try message.encoded().payload), wireHex: "")
            if vector.name == "dot_train", case .dotTrain(let train) = message {
                if train.dots.count == 1 { vector.name = "dot_train_single" }
                if train.strokeDetail { vector.name = "dot_train_detail" }
            }
            if !message.type.isHandshake { sequence &+= 1 }
            vectors.append(vector)
        }
        vectors.append(
            Vector(
                name: "ack", direction: "host_to_board", acknowledgement: 17, negativeAcknowledgement: false,
                handshake: false, wireHex: ""))
        vectors.append(
            Vector(
                name: "nack", direction: "board_to_host", acknowledgement: 124, negativeAcknowledgement: true,
                credit: 12, handshake: false, wireHex: ""))
        for index in vectors.indices {
            var encoder = FrameEncoder()
            var wire: [UInt8] = []
            try encoder.encode(try frame(for: vectors[index]), into: &wire, leadingDelimiter: index == 0)
            vectors[index].wireHex = hex(wire)
        }
        vectors.append(
            Vector(
                name: "heartbeat", direction: "either", acknowledgement: 0, negativeAcknowledgement: false,
                handshake: false, wireHex: hex([FramingByte.heartbeat])))
        return vectors
    }

    static func load() throws -> VectorFile {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .custom { path in
            WireJSONTestKey(WireJSONKeys.camelCase(fromSnakeCase: path.last?.stringValue ?? ""))
        }
        return try decoder.decode(VectorFile.self, from: Data(contentsOf: fileURL))
    }

    @Test(
        "regenerate the vector file when asked",
        .enabled(if: ProcessInfo.processInfo.environment["SMP_REGENERATE_VECTORS"] == "1"))
    func regenerate() throws {
        let file = VectorFile(
            format: "smpctl-protocol-vectors/2", protocolVersion: Int(WireSchema.protocolVersion),
            schemaHash: "0x" + hex32(WireSchema.hash),
            crc32cCheck: CRCCheck(ascii: "123456789", crc32c: "0x" + hex32(CRC32C.checksum(Array("123456789".utf8)))),
            vectors: try Self.catalogue())
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        try (encoder.encode(file) + Data("\n".utf8)).write(to: Self.fileURL, options: .atomic)
    }

    @Test("the file's schema hash and CRC check value are this build's")
    func header() throws {
        let file = try Self.load()
        #expect(file.protocolVersion == Int(WireSchema.protocolVersion))
        #expect(file.schemaHash == "0x" + hex32(WireSchema.hash))
        #expect(file.crc32cCheck.crc32c == "0xe3069283")
        #expect(CRC32C.checksum(Array(file.crc32cCheck.ascii.utf8)) == 0xE306_9283)
    }

    @Test("every message type has a vector")
    func coverage() throws {
        let types = Set(try Self.load().vectors.compactMap { $0.message?.type })
        #expect(types == Set(MessageType.allCases))
    }

    @Test("messages in the file encode to the file's bytes")
    func encodeDirection() throws {
        for (index, vector) in try Self.load().vectors.enumerated() where vector.name != "heartbeat" {
            var encoder = FrameEncoder()
            var wire: [UInt8] = []
            try encoder.encode(try Self.frame(for: vector), into: &wire, leadingDelimiter: index == 0)
            #expect(Self.hex(wire) == vector.wireHex, "vector \(vector.name)")
            if let message = vector.message {
                #expect(Self.hex(try message.encoded().payload) == vector.payloadHex, "vector \(vector.name)")
            }
        }
    }

    @Test("the file's bytes decode to the file's messages")
    func decodeDirection() throws {
        for vector in try Self.load().vectors {
            var decoder = FrameDecoder()
            let events = decoder.feed(Self.bytes(hex: vector.wireHex))
            if vector.name == "heartbeat" {
                #expect(events == [.heartbeat(offset: 0)])
                continue
            }
            let frames = events.compactMap { event -> Frame? in
                if case .frame(let frame, _) = event { return frame }
                return nil
            }
            #expect(frames.count == 1 && events.count == 1, "vector \(vector.name): \(events)")
            guard let frame = frames.first else { continue }
            #expect(frame == (try Self.frame(for: vector)), "vector \(vector.name)")
            switch frame.body {
            case .sequenced(_, let raw), .handshake(let raw):
                #expect(try Message(decoding: raw) == vector.message, "vector \(vector.name)")
            case .linkOnly:
                #expect(vector.message == nil)
            }
        }
    }
}

struct WireJSONTestKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
