/// What a session tells its owner after being fed bytes or time.
public enum SessionEvent: Equatable, Sendable {
    /// Host: the board answered with a compatible hello. Board: a compatible host hello started a new session.
    case established(peer: PeerHello)
    /// The peer speaks another protocol version or schema; nothing else is accepted from it.
    case refused(HandshakeMismatch)
    /// Host: the board answered a frame with a hello for no session of ours: it restarted (reset, brown-out) and is
    /// in its safe state. The session is connecting again.
    case peerRestarted(BoardHello)
    /// Board: a host hello arrived; answer it with `respond(to:with:now:)`.
    case helloReceived(HostHello)
    /// A queued message, delivered exactly once and in order.
    case message(Message)
    /// A priority message, delivered exactly once as soon as it arrives, even ahead of a gap being repaired.
    case priority(Message)
    /// A frame that failed its check or parse; counted and skipped.
    case frameError(FrameError, offset: UInt64)
    /// A frame whose check passed but whose payload is not a valid message of its type (a peer bug).
    case malformedMessage(MessageDecodingError, type: UInt8)
    /// Retransmissions or hellos were exhausted: the link is down.
    case linkFailed(LinkFailure)
}

/// Either side's hello.
public enum PeerHello: Equatable, Sendable {
    case host(HostHello)
    case board(BoardHello)
}

/// Why a link was given up.
public enum LinkFailure: Equatable, Sendable, CustomStringConvertible {
    case noAnswerToHello(attempts: Int)
    case retransmissionsExhausted(sequence: UInt8, attempts: Int)
    /// Host: nothing (no frame, no heartbeat) came from the board for this long (``SessionConfiguration/peerSilenceLimit``).
    case peerSilent(microseconds: UInt64)

    public var description: String {
        switch self {
        case .noAnswerToHello(let attempts): "no answer to \(attempts) hellos"
        case .retransmissionsExhausted(let sequence, let attempts):
            "frame \(sequence) unacknowledged after \(attempts) retransmissions"
        case .peerSilent(let microseconds): "nothing heard from the board for \(microseconds / 1_000) ms"
        }
    }
}

/// Two peers that must not talk: named both ways.
public struct HandshakeMismatch: Error, Equatable, Sendable, CustomStringConvertible {
    public var localVersion: UInt16
    public var localSchemaHash: UInt32
    public var peerVersion: UInt16
    public var peerSchemaHash: UInt32
    /// Board model or host software, as the peer named itself.
    public var peerName: String

    public var description: String {
        "protocol mismatch: we speak smp-wire v\(localVersion) (schema 0x\(hex32(localSchemaHash))), \(peerName) "
            + "speaks v\(peerVersion) (schema 0x\(hex32(peerSchemaHash)))"
    }
}

/// Things a session cannot send.
public enum SessionSendError: Error, Equatable, Sendable, CustomStringConvertible {
    case notEstablished
    case windowFull
    case encoding(MessageEncodingError)
    case handshakeMessage

    public var description: String {
        switch self {
        case .notEstablished: "the session is not established"
        case .windowFull: "the send window is full; wait for acknowledgements"
        case .encoding(let error): "cannot encode message: \(error)"
        case .handshakeMessage: "hellos are sent by connect() and respond(to:with:now:)"
        }
    }
}
