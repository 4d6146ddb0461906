import SMPChecksum

/// Turns frames into bytes on the wire: header, message, CRC-32C, then byte stuffing and a closing delimiter.
public struct FrameEncoder: Sendable {
    /// Seeds the check of every non-handshake frame, so that a peer built from another message schema fails the
    /// check at once instead of misreading fields (MAVLink's CRC_EXTRA idea, per link instead of per message).
    public let schemaHash: UInt32
    private var scratch: [UInt8] = []

    public init(schemaHash: UInt32 = WireSchema.hash) {
        self.schemaHash = schemaHash
        scratch.reserveCapacity(Frame.maximumLength)
    }

    /// The unstuffed frame bytes, check included.
    public mutating func unstuffedBytes(of frame: Frame) throws(FrameEncodingError) -> [UInt8] {
        scratch.removeAll(keepingCapacity: true)
        var control: UInt8 = 0
        if frame.isNegativeAcknowledgement { control |= ControlBit.negativeAcknowledgement }
        if frame.credit != nil { control |= ControlBit.credit }
        switch frame.body {
        case .linkOnly: break
        case .sequenced: control |= ControlBit.sequenced
        case .handshake: control |= ControlBit.handshake
        }
        scratch.append(control)
        scratch.append(frame.acknowledgement)
        if let credit = frame.credit {
            var writer = ByteWriter(capacity: 5)
            writer.writeVarint(UInt64(credit))
            scratch.append(contentsOf: writer.bytes)
        }
        var seed = schemaHash
        switch frame.body {
        case .linkOnly:
            break
        case .sequenced(let sequence, let message):
            guard message.payload.count <= Frame.maximumPayloadLength else {
                throw .payloadTooLong(message.payload.count)
            }
            scratch.append(sequence)
            scratch.append(message.type)
            scratch.append(contentsOf: message.payload)
        case .handshake(let message):
            guard message.payload.count <= Frame.maximumPayloadLength else {
                throw .payloadTooLong(message.payload.count)
            }
            seed = 0
            scratch.append(message.type)
            scratch.append(contentsOf: message.payload)
        }
        let check = CRC32C.checksum(scratch, seed: seed)
        for shift in stride(from: 0, to: 32, by: 8) {
            scratch.append(UInt8(truncatingIfNeeded: check >> UInt32(shift)))
        }
        return scratch
    }

    /// Appends the frame as it goes on the wire. `leadingDelimiter` is for the first frame of a stream, so that
    /// whatever the peer's decoder held before is cut off instead of being glued to this frame.
    public mutating func encode(
        _ frame: Frame, into output: inout [UInt8], leadingDelimiter: Bool = false
    ) throws(FrameEncodingError) {
        let raw = try unstuffedBytes(of: frame)
        if leadingDelimiter { output.append(FramingByte.delimiter) }
        Self.stuff(raw, into: &output)
        output.append(FramingByte.delimiter)
    }

    /// Escapes the reserved byte values; everything else passes through.
    public static func stuff(_ raw: [UInt8], into output: inout [UInt8]) {
        output.reserveCapacity(output.count + raw.count + 4)
        for byte in raw {
            if FramingByte.isReserved(byte) {
                output.append(FramingByte.escape)
                output.append(byte ^ FramingByte.escapeMask)
            } else {
                output.append(byte)
            }
        }
    }
}

/// A frame that cannot be encoded: a programming error on the sending side, reported rather than trapped.
public enum FrameEncodingError: Error, Equatable, Sendable, CustomStringConvertible {
    case payloadTooLong(Int)

    public var description: String {
        switch self {
        case .payloadTooLong(let count):
            "message payload of \(count) bytes exceeds the \(Frame.maximumPayloadLength)-byte limit"
        }
    }
}
