/// Decodes a captured byte stream into records, as a protocol analyser does: every frame with its header and
/// message, runs of heartbeats, and every bad frame with its offset and reason. Decoding goes on after errors.
public struct CaptureAnalyzer: Sendable {
    /// One thing found in a capture.
    public struct Record: Equatable, Sendable, Encodable {
        public enum Kind: String, Sendable, Encodable {
            case frame, heartbeat, error
        }

        public var offset: UInt64
        public var kind: Kind
        /// Heartbeats in a run (kind heartbeat).
        public var count: Int?
        public var acknowledgement: UInt8?
        public var negativeAcknowledgement: Bool?
        public var credit: UInt32?
        public var sequence: UInt8?
        public var handshake: Bool?
        public var message: Message?
        /// Why the frame or its payload is bad (kind error, or a frame whose message does not decode).
        public var error: String?
        public var errorKind: String?

        /// One line for people.
        public var line: String {
            switch kind {
            case .heartbeat:
                return "@\(offset) heartbeat" + ((count ?? 1) > 1 ? " x\(count ?? 1)" : "")
            case .error:
                return "@\(offset) ERROR \(error ?? "")"
            case .frame:
                var header = "@\(offset)"
                if let sequence { header += " seq \(sequence)" }
                if handshake == true { header += " handshake" }
                header += " ack \(acknowledgement ?? 0)"
                if negativeAcknowledgement == true { header += " NACK" }
                if let credit { header += " credit \(credit)" }
                if let message { return header + " " + message.summary }
                if let error { return header + " BAD PAYLOAD \(error)" }
                return header + " (link only)"
            }
        }
    }

    private var decoder: FrameDecoder
    /// Set when checking frames without the schema salt (a peer of another schema still shows its hellos).
    public init(schemaHash: UInt32 = WireSchema.hash) {
        decoder = FrameDecoder(schemaHash: schemaHash)
    }

    public var counters: FrameDecoder.Counters { decoder.counters }

    /// A run of heartbeats not yet reported: it may go on in the next chunk.
    private var pendingHeartbeats: Record?

    /// Decodes bytes; runs of heartbeats within one call collapse into one record.
    public mutating func feed<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> [Record] {
        var records: [Record] = []
        stream(bytes) { records.append($0) }
        flush { records.append($0) }
        return records
    }

    /// Decodes a stream chunk by chunk, with memory bounded whatever the stream holds: each record goes to `emit`
    /// as soon as it is complete. A run of heartbeats is held until something else arrives or ``flush(_:)``, so
    /// that a run split across chunks is still one record.
    public mutating func stream<Bytes: Sequence<UInt8>>(_ bytes: Bytes, _ emit: (Record) -> Void) {
        var pending = pendingHeartbeats
        pendingHeartbeats = nil
        decoder.feed(bytes) { event in
            if case .heartbeat(let offset) = event {
                if let run = pending {
                    pending?.count = (run.count ?? 1) + 1
                } else {
                    pending = Record(offset: offset, kind: .heartbeat, count: 1)
                }
                return
            }
            if let run = pending {
                emit(run)
                pending = nil
            }
            emit(Self.record(for: event))
        }
        pendingHeartbeats = pending
    }

    /// Reports a heartbeat run still held (at the end of a capture, or while a live stream is idle).
    public mutating func flush(_ emit: (Record) -> Void) {
        if let run = pendingHeartbeats { emit(run) }
        pendingHeartbeats = nil
    }

    private static func record(for event: FrameDecoder.Event) -> Record {
        switch event {
        case .heartbeat(let offset):
            return Record(offset: offset, kind: .heartbeat, count: 1)
        case .error(let error, let offset):
            return Record(offset: offset, kind: .error, error: error.description, errorKind: error.kind)
        case .frame(let frame, let offset):
            var record = Record(
                offset: offset, kind: .frame, acknowledgement: frame.acknowledgement,
                negativeAcknowledgement: frame.isNegativeAcknowledgement ? true : nil, credit: frame.credit)
            var raw: RawMessage?
            switch frame.body {
            case .linkOnly: break
            case .sequenced(let sequence, let message):
                record.sequence = sequence
                raw = message
            case .handshake(let message):
                record.handshake = true
                raw = message
            }
            if let raw {
                do throws(MessageDecodingError) {
                    record.message = try Message(decoding: raw)
                } catch {
                    record.error = error.description
                    record.errorKind = "malformed_message"
                }
            }
            return record
        }
    }
}
