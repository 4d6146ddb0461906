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

    /// Decodes bytes; runs of heartbeats within one call collapse into one record.
    public mutating func feed<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> [Record] {
        var records: [Record] = []
        decoder.feed(bytes) { event in
            switch event {
            case .heartbeat(let offset):
                if let last = records.last, last.kind == .heartbeat {
                    records[records.count - 1].count = (last.count ?? 1) + 1
                } else {
                    records.append(Record(offset: offset, kind: .heartbeat, count: 1))
                }
            case .error(let error, let offset):
                records.append(Record(offset: offset, kind: .error, error: error.description, errorKind: error.kind))
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
                records.append(record)
            }
        }
        return records
    }
}
