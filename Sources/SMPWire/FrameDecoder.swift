import SMPChecksum

/// A streaming, sans-I/O frame decoder: feed it bytes in chunks of any size, it reports frames, heartbeats and
/// errors with their stream offsets. Memory is bounded by `Frame.maximumLength` whatever it is fed.
///
/// Resynchronisation is immediate: a delimiter always ends a frame, so after garbage, a truncated frame or a bit
/// flip at most the frames overlapping the damage are lost (and retransmitted by the session).
public struct FrameDecoder: Sendable {
    /// One thing found in the byte stream.
    public enum Event: Equatable, Sendable {
        /// A valid frame; `offset` is the stream offset of its first byte (after the preceding delimiter).
        case frame(Frame, offset: UInt64)
        case heartbeat(offset: UInt64)
        case error(FrameError, offset: UInt64)
    }

    /// Counts of everything seen, for status reports and storm detection.
    public struct Counters: Equatable, Sendable {
        public var bytes: UInt64 = 0
        public var frames: UInt64 = 0
        public var heartbeats: UInt64 = 0
        public var errors: UInt64 = 0
        public var checksumErrors: UInt64 = 0
        public init() {}
    }

    public let schemaHash: UInt32
    public private(set) var counters = Counters()

    private var buffer: [UInt8] = []
    private var escaping = false
    /// True while skipping an oversize frame up to the next delimiter.
    private var discarding = false
    private var frameStart: UInt64 = 0
    private var position: UInt64 = 0

    public init(schemaHash: UInt32 = WireSchema.hash) {
        self.schemaHash = schemaHash
        buffer.reserveCapacity(Frame.maximumLength)
    }

    /// Feeds bytes and calls `handle` for each event, in stream order.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer, _ handle: (Event) -> Void) {
        counters.bytes += UInt64(bytes.count)
        for byte in bytes {
            let offset = position
            position += 1
            if byte == FramingByte.heartbeat {
                counters.heartbeats += 1
                handle(.heartbeat(offset: offset))
                // Between frames, the next frame starts after the heartbeat, not at it.
                if buffer.isEmpty && !escaping && !discarding { frameStart = position }
                continue
            }
            if byte == FramingByte.delimiter {
                finishFrame(handle)
                frameStart = position
                continue
            }
            if discarding { continue }
            var value = byte
            if escaping {
                escaping = false
                let unescaped = byte ^ FramingByte.escapeMask
                guard FramingByte.isReserved(unescaped) else {
                    report(.invalidEscape(byte), at: frameStart, handle)
                    discarding = true
                    continue
                }
                value = unescaped
            } else if byte == FramingByte.escape {
                escaping = true
                continue
            }
            guard buffer.count < Frame.maximumLength else {
                report(.oversize, at: frameStart, handle)
                discarding = true
                buffer.removeAll(keepingCapacity: true)
                continue
            }
            buffer.append(value)
        }
    }

    public mutating func feed<Bytes: Sequence<UInt8>>(_ bytes: Bytes, _ handle: (Event) -> Void) {
        let handled: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            feed(UnsafeRawBufferPointer(buffer), handle)
        }
        if handled == nil {
            let array = Array(bytes)
            array.withUnsafeBytes { feed($0, handle) }
        }
    }

    /// Feeds bytes and returns the events.
    public mutating func feed<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> [Event] {
        var events: [Event] = []
        feed(bytes) { events.append($0) }
        return events
    }

    private mutating func report(_ error: FrameError, at offset: UInt64, _ handle: (Event) -> Void) {
        counters.errors += 1
        if case .checksumMismatch = error { counters.checksumErrors += 1 }
        handle(.error(error, offset: offset))
    }

    private mutating func finishFrame(_ handle: (Event) -> Void) {
        defer {
            buffer.removeAll(keepingCapacity: true)
            escaping = false
            discarding = false
        }
        if discarding { return }
        // Back-to-back delimiters are legal padding, not an error.
        if buffer.isEmpty && !escaping { return }
        if escaping {
            report(.invalidEscape(FramingByte.delimiter), at: frameStart, handle)
            return
        }
        switch FrameParser.parse(buffer, schemaHash: schemaHash) {
        case .success(let frame):
            counters.frames += 1
            handle(.frame(frame, offset: frameStart))
        case .failure(let error):
            report(error, at: frameStart, handle)
        }
    }
}

/// Checks and parses one unstuffed frame.
enum FrameParser {
    static func parse(_ bytes: [UInt8], schemaHash: UInt32) -> Result<Frame, FrameError> {
        guard bytes.count >= Frame.minimumLength else { return .failure(.tooShort(length: bytes.count)) }
        let control = bytes[0]
        let isHandshake = control & ControlBit.handshake != 0
        let checkOffset = bytes.count - 4
        let received =
            UInt32(bytes[checkOffset]) | UInt32(bytes[checkOffset + 1]) << 8 | UInt32(bytes[checkOffset + 2]) << 16
            | UInt32(bytes[checkOffset + 3]) << 24
        let computed = bytes.withUnsafeBytes { raw in
            var crc = CRC32C(seed: isHandshake ? 0 : schemaHash)
            crc.update(UnsafeRawBufferPointer(rebasing: raw[0..<checkOffset]))
            return crc.value
        }
        guard computed == received else { return .failure(.checksumMismatch(expected: computed, received: received)) }
        guard control & ControlBit.reserved == 0 else {
            return .failure(
                .malformedHeader("reserved control bits 0x\(String(control & ControlBit.reserved, radix: 16)) set"))
        }
        let isSequenced = control & ControlBit.sequenced != 0
        if isSequenced && isHandshake {
            return .failure(.malformedHeader("a frame cannot be both sequenced and a handshake"))
        }
        var reader = ByteReader(bytes, offset: 1, end: checkOffset)
        do {
            let acknowledgement = try reader.readByte("acknowledgement")
            var credit: UInt32?
            if control & ControlBit.credit != 0 { credit = try reader.readVarint("credit", as: UInt32.self) }
            let body: Frame.Body
            if isSequenced {
                let sequence = try reader.readByte("sequence")
                let type = try reader.readByte("message type")
                body = .sequenced(sequence: sequence, message: RawMessage(type: type, payload: remainder(&reader)))
            } else if isHandshake {
                let type = try reader.readByte("message type")
                body = .handshake(RawMessage(type: type, payload: remainder(&reader)))
            } else {
                guard reader.isAtEnd else { return .failure(.malformedHeader("link-only frame carries a payload")) }
                body = .linkOnly
            }
            return .success(
                Frame(
                    acknowledgement: acknowledgement,
                    isNegativeAcknowledgement: control & ControlBit.negativeAcknowledgement != 0,
                    credit: credit, body: body))
        } catch {
            return .failure(.malformedHeader(error.description))
        }
    }

    private static func remainder(_ reader: inout ByteReader) -> [UInt8] {
        (try? Array(reader.readBytes("payload", count: reader.remaining))) ?? []
    }
}
