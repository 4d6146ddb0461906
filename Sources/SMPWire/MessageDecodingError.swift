/// Why a frame's payload is not a valid message. Offsets count from the start of the payload.
public enum MessageDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    case truncated(field: String, offset: Int)
    case overflow(field: String, offset: Int)
    case outOfRange(field: String, offset: Int)
    case invalidText(field: String, offset: Int)
    case trailingBytes(message: String, offset: Int)
    case unknownMessageType(UInt8)
    case invalidValue(field: String, reason: String)

    public var description: String {
        switch self {
        case .truncated(let field, let offset): "payload ends inside field '\(field)' (payload offset \(offset))"
        case .overflow(let field, let offset): "field '\(field)' does not fit its type (payload offset \(offset))"
        case .outOfRange(let field, let offset): "field '\(field)' is out of range (payload offset \(offset))"
        case .invalidText(let field, let offset): "field '\(field)' is not valid UTF-8 (payload offset \(offset))"
        case .trailingBytes(let message, let offset): "\(message) has trailing bytes from payload offset \(offset)"
        case .unknownMessageType(let type): "unknown message type 0x\(String(type, radix: 16))"
        case .invalidValue(let field, let reason): "field '\(field)': \(reason)"
        }
    }
}
