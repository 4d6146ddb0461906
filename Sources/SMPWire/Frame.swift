/// One frame of protocol v1, as it is before byte stuffing (Docs/Protocol.md, "Frame layout").
public struct Frame: Equatable, Hashable, Sendable {
    /// What a frame carries besides its link header.
    public enum Body: Equatable, Hashable, Sendable {
        /// Only the link header: an acknowledgement (or a negative one) and, from the board, credit.
        case linkOnly
        /// A reliably delivered message with its sequence number.
        case sequenced(sequence: UInt8, message: RawMessage)
        /// A handshake message: no sequence number and an unsalted check, so that a peer with another schema can
        /// still read who we are and refuse us by name.
        case handshake(RawMessage)
    }

    /// Cumulative acknowledgement: the last sequence number received in order from the peer.
    public var acknowledgement: UInt8
    /// Asks the peer to resend `acknowledgement + 1` at once (a gap was seen).
    public var isNegativeAcknowledgement: Bool
    /// Free queue slots on the sender's side (the board advertises them; the host sends none).
    public var credit: UInt32?
    public var body: Body

    public init(acknowledgement: UInt8, isNegativeAcknowledgement: Bool = false, credit: UInt32? = nil, body: Body) {
        self.acknowledgement = acknowledgement
        self.isNegativeAcknowledgement = isNegativeAcknowledgement
        self.credit = credit
        self.body = body
    }

    /// The largest frame, header to check inclusive, before stuffing. Bounds every buffer on both sides.
    public static let maximumLength = 255
    /// The largest message payload that always fits a frame whatever the header holds.
    public static let maximumPayloadLength = 240
    /// Control byte + acknowledgement + check: the shortest valid frame.
    public static let minimumLength = 6
}

/// A message's type code and payload bytes, not yet interpreted.
public struct RawMessage: Equatable, Hashable, Sendable {
    public var type: UInt8
    public var payload: [UInt8]

    public init(type: UInt8, payload: [UInt8]) {
        self.type = type
        self.payload = payload
    }
}

/// Bits of the control byte, the first byte of every frame.
enum ControlBit {
    static let sequenced: UInt8 = 0x01
    static let negativeAcknowledgement: UInt8 = 0x02
    static let credit: UInt8 = 0x04
    static let handshake: UInt8 = 0x08
    /// Bits 4-7 are reserved in v1 and must be zero; a frame with any set is refused.
    static let reserved: UInt8 = 0xF0
}
