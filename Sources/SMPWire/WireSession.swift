import DequeModule

/// The reliable, sans-I/O session of smp-wire: bytes and time in; bytes, events and a next deadline out.
///
/// Both directions are sequenced, acknowledged and retransmitted, so neither a command nor a completion report nor
/// a fault is ever lost or delivered twice. A gap is repaired at once by a negative acknowledgement (fast
/// retransmit); a lost last frame by a retransmission timeout adapted to the measured round trip. Memory is bounded
/// by the window: at most `windowSize` frames in flight and as many waiting for a gap.
///
/// Feed it with `receive(_:now:)`, give it messages with `send(_:now:)`, and call `poll(now:)` whenever
/// `nextDeadline` passes or after sending, writing out the bytes it returns.
public struct WireSession: Sendable {
    public enum State: Equatable, Sendable {
        case idle
        case connecting(sessionID: UInt32)
        case established(sessionID: UInt32)
        case refused(HandshakeMismatch)
        case failed(LinkFailure)
    }

    /// Counters for status reports, storm detection and the wire-cost benchmark.
    public struct Statistics: Equatable, Sendable {
        public var bytesSent: UInt64 = 0
        public var framesSent: UInt64 = 0
        public var retransmissions: UInt64 = 0
        public var fastRetransmissions: UInt64 = 0
        public var negativeAcknowledgementsSent: UInt64 = 0
        public var heartbeatsSent: UInt64 = 0
        /// Board: heartbeats sent as beat requests (after half the watchdog of host silence while armed).
        public var beatRequestsSent: UInt64 = 0
        /// Host: heartbeats sent at once in answer to one of the peer's.
        public var heartbeatAnswersSent: UInt64 = 0
        /// Longest time between two things heard from the peer (frames or heartbeats) while established.
        public var longestPeerSilence: UInt64 = 0
        public var duplicatesReceived: UInt64 = 0
        public var outOfWindowReceived: UInt64 = 0
        public var messagesDelivered: UInt64 = 0
        public var malformedMessages: UInt64 = 0
        public init() {}
    }

    public let configuration: SessionConfiguration
    public internal(set) var state: State = .idle
    public internal(set) var statistics = Statistics()
    /// Last time a valid frame or a heartbeat came from the peer: what watchdogs compare against.
    public internal(set) var lastHeardAt: UInt64?
    /// Board only: the identity answered to hellos. Keep `lastCompletedDot` current.
    public var boardIdentity: BoardHello?
    /// Board only: free queue slots, advertised in every frame the board sends.
    public var localCredit: UInt32 = 0
    /// Host only: the peer's hello once established.
    public internal(set) var peerHello: PeerHello?
    /// Board only: set by the owner while its watchdog is armed; then host silence of
    /// ``SessionConfiguration/beatRequestSilence`` sends a beat request, repeated every
    /// ``SessionConfiguration/beatRequestRepeat`` until the host is heard again.
    public var watchdogArmed = false

    // The state the per-event queries (`nextDeadline`, `canSend`, `availableCredit`) read is usable from inline
    // code: those queries are inlined into their callers, because a call into this module from another copies the
    // whole session (about a kilobyte) to pass it, several times per event in a controller or a board loop.
    var encoder: FrameEncoder
    var decoder: FrameDecoder
    @usableFromInline var output: [UInt8] = []
    var needsLeadingDelimiter = true
    @usableFromInline var lastTransmitAt: UInt64 = 0
    @usableFromInline var heartbeatInterval: UInt64
    /// When the last beat request of the current host silence went out; cleared by anything heard.
    @usableFromInline var lastBeatRequestAt: UInt64?
    /// A peer heartbeat arrived while we had been quiet: answer it at the next poll.
    @usableFromInline var heartbeatAnswerDue = false

    // Sending side.
    @usableFromInline var inFlight: Deque<InFlightFrame> = []
    var nextSequence: UInt8 = 0
    @usableFromInline var peerCredit: UInt32 = 0
    var smoothedRoundTrip: Double?
    var roundTripVariance: Double = 0
    @usableFromInline var retransmitTimeout: UInt64

    // Receiving side.
    var expectedSequence: UInt8 = 0
    var reorderBuffer: [BufferedFrame?]
    @usableFromInline var acknowledgementDueAt: UInt64?
    @usableFromInline var negativeAcknowledgementDue = false
    var lastNegativeAcknowledgement: (sequence: UInt8, at: UInt64)?

    // Handshake (host).
    var helloAttemptsMade = 0
    @usableFromInline var nextHelloAt: UInt64?
    var hostSoftware = ""

    public init(
        configuration: SessionConfiguration, boardIdentity: BoardHello? = nil, schemaHash: UInt32 = WireSchema.hash
    ) {
        self.configuration = configuration
        self.boardIdentity = boardIdentity
        encoder = FrameEncoder(schemaHash: schemaHash)
        decoder = FrameDecoder(schemaHash: schemaHash)
        retransmitTimeout = configuration.initialRetransmitTimeout
        heartbeatInterval = configuration.heartbeatInterval
        reorderBuffer = Array(repeating: nil, count: 256)
    }

    @inlinable public var isEstablished: Bool {
        if case .established = state { return true }
        return false
    }

    /// Frames sent and not yet acknowledged.
    public var unacknowledgedCount: Int { inFlight.count }

    /// Completion records (not frames) in the unacknowledged frames: what a board's hello reports as pending.
    var pendingCompletionRecords: Int {
        inFlight.reduce(0) { total, frame in
            frame.message.type == MessageType.completions.rawValue
                ? total + Int(frame.message.payload.first ?? 0) : total
        }
    }

    /// True when `send` would not fail for lack of window.
    @inlinable public var canSend: Bool { isEstablished && inFlight.count < configuration.windowSize }

    /// Host only: board queue slots free for new commands, counting what is in flight as already taken.
    @inlinable public var availableCredit: Int {
        max(0, Int(peerCredit) - inFlight.reduce(0) { $0 + $1.queueSlots })
    }

    /// Counters of the frame decoder (errors, heartbeats, bytes received).
    public var decoderCounters: FrameDecoder.Counters { decoder.counters }

    /// The earliest time `poll` has something to do, nil when only new input can create work. Bytes produced while
    /// receiving (a hello's answer, an immediate acknowledgement) make it 0: poll at once.
    @inlinable public var nextDeadline: UInt64? {
        if !output.isEmpty { return 0 }
        var deadline: UInt64?
        func consider(_ time: UInt64?) {
            guard let time else { return }
            deadline = deadline.map { min($0, time) } ?? time
        }
        consider(nextHelloAt)
        guard isEstablished else { return deadline }
        consider(acknowledgementDueAt)
        if negativeAcknowledgementDue || inFlight.contains(where: { $0.lastSentAt == nil }) { return 0 }
        if let oldest = inFlight.first, let sent = oldest.lastSentAt { consider(sent + retransmitTimeout) }
        if heartbeatAnswerDue { return 0 }
        consider(lastTransmitAt + heartbeatInterval)
        consider(beatRequestTime)
        if let limit = configuration.peerSilenceLimit, let heard = lastHeardAt { consider(heard + limit) }
        return deadline
    }

    // MARK: Handshake

    /// Host: starts (or restarts) a connection. Everything in flight from an earlier session is dropped.
    public mutating func connect(sessionID: UInt32, hostSoftware: String, now: UInt64) {
        // The name is informational: cut it to what a hello can carry (at a character boundary) rather than fail.
        var name = Substring(hostSoftware)
        while name.utf8.count > ByteWriter.maximumStringLength { name = name.dropLast() }
        self.hostSoftware = String(name)
        resetSequencing(keepingUnacknowledged: false)
        state = .connecting(sessionID: sessionID)
        helloAttemptsMade = 0
        nextHelloAt = now
        needsLeadingDelimiter = true
    }
}

@usableFromInline struct InFlightFrame: Sendable {
    let sequence: UInt8
    let message: RawMessage
    @usableFromInline let queueSlots: Int
    @usableFromInline var lastSentAt: UInt64?
    var transmissions = 0
}

struct BufferedFrame: Sendable {
    let message: RawMessage
    var deliveredAsPriority: Bool
}
