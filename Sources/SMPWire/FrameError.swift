/// Why bytes between two delimiters are not a frame. The decoder counts each, reports its stream offset and goes
/// on with the next frame.
public enum FrameError: Error, Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The CRC-32C does not match: corruption, or (for a non-handshake frame) a peer with another message schema.
    case checksumMismatch(expected: UInt32, received: UInt32)
    /// Fewer bytes than the shortest frame (control, acknowledgement, check).
    case tooShort(length: Int)
    /// More than `Frame.maximumLength` bytes without a delimiter; the rest up to the next delimiter is skipped.
    case oversize
    /// An escape followed by a byte that is not an escaped reserved value.
    case invalidEscape(UInt8)
    /// A reserved control bit set, or a header that contradicts itself.
    case malformedHeader(String)

    public var description: String {
        switch self {
        case .checksumMismatch(let expected, let received):
            "frame check failed (computed 0x\(hex32(expected)), frame says 0x\(hex32(received)))"
        case .tooShort(let length): "frame of \(length) bytes is shorter than the \(Frame.minimumLength)-byte minimum"
        case .oversize: "no delimiter within \(Frame.maximumLength) bytes: oversize frame skipped"
        case .invalidEscape(let byte): "escape followed by 0x\(String(byte, radix: 16)), not an escaped reserved byte"
        case .malformedHeader(let reason): "malformed frame header: \(reason)"
        }
    }

    /// A short stable name, for counters and JSON.
    public var kind: String {
        switch self {
        case .checksumMismatch: "checksum_mismatch"
        case .tooShort: "too_short"
        case .oversize: "oversize"
        case .invalidEscape: "invalid_escape"
        case .malformedHeader: "malformed_header"
        }
    }
}

func hex32(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 8 - digits.count) + digits
}
