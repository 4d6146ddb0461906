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
    public private(set) var state: State = .idle
    public private(set) var statistics = Statistics()
    /// Last time a valid frame or a heartbeat came from the peer: what watchdogs compare against.
    public private(set) var lastHeardAt: UInt64?
    /// Board only: the identity answered to hellos. Keep `lastCompletedDot` current.
    public var boardIdentity: BoardHello?
    /// Board only: free queue slots, advertised in every frame the board sends.
    public var localCredit: UInt32 = 0
    /// Host only: the peer's hello once established.
    public private(set) var peerHello: PeerHello?
    /// Board only: set by the owner while its watchdog is armed; then host silence of
    /// ``SessionConfiguration/beatRequestSilence`` sends a beat request, repeated every
    /// ``SessionConfiguration/beatRequestRepeat`` until the host is heard again.
    public var watchdogArmed = false

    private var encoder: FrameEncoder
    private var decoder: FrameDecoder
    private var output: [UInt8] = []
    private var needsLeadingDelimiter = true
    private var lastTransmitAt: UInt64 = 0
    private var heartbeatInterval: UInt64
    /// When the last beat request of the current host silence went out; cleared by anything heard.
    private var lastBeatRequestAt: UInt64?
    /// A peer heartbeat arrived while we had been quiet: answer it at the next poll.
    private var heartbeatAnswerDue = false

    // Sending side.
    private var inFlight: Deque<InFlightFrame> = []
    private var nextSequence: UInt8 = 0
    private var peerCredit: UInt32 = 0
    private var smoothedRoundTrip: Double?
    private var roundTripVariance: Double = 0
    private var retransmitTimeout: UInt64

    // Receiving side.
    private var expectedSequence: UInt8 = 0
    private var reorderBuffer: [BufferedFrame?]
    private var acknowledgementDueAt: UInt64?
    private var negativeAcknowledgementDue = false
    private var lastNegativeAcknowledgement: (sequence: UInt8, at: UInt64)?

    // Handshake (host).
    private var helloAttemptsMade = 0
    private var nextHelloAt: UInt64?
    private var hostSoftware = ""

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

    public var isEstablished: Bool {
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
    public var canSend: Bool { isEstablished && inFlight.count < configuration.windowSize }

    /// Host only: board queue slots free for new commands, counting what is in flight as already taken.
    public var availableCredit: Int {
        max(0, Int(peerCredit) - inFlight.reduce(0) { $0 + $1.queueSlots })
    }

    /// Counters of the frame decoder (errors, heartbeats, bytes received).
    public var decoderCounters: FrameDecoder.Counters { decoder.counters }

    /// The earliest time `poll` has something to do, nil when only new input can create work. Bytes produced while
    /// receiving (a hello's answer, an immediate acknowledgement) make it 0: poll at once.
    public var nextDeadline: UInt64? {
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

    // MARK: Sending

    /// Sends a link-only frame at the next `poll`: the board uses it to advertise credit that grew while it had
    /// nothing else to say.
    public mutating func scheduleLinkFrame() {
        if isEstablished { acknowledgementDueAt = 0 }
    }

    /// Queues a message for reliable delivery; `poll` puts it on the wire.
    public mutating func send(_ message: Message, now: UInt64) throws(SessionSendError) {
        guard !message.type.isHandshake else { throw .handshakeMessage }
        guard isEstablished else { throw .notEstablished }
        guard inFlight.count < configuration.windowSize else { throw .windowFull }
        let raw: RawMessage
        do { raw = try message.encoded() } catch { throw .encoding(error) }
        inFlight.append(
            InFlightFrame(sequence: nextSequence, message: raw, queueSlots: message.queueSlots))
        nextSequence &+= 1
    }

    /// Does everything due by `now` (new frames, retransmissions, acknowledgements, hellos, a heartbeat) and returns
    /// the bytes to write, plus any events (a link given up).
    public mutating func poll(now: UInt64) -> (bytes: [UInt8], events: [SessionEvent]) {
        var events: [SessionEvent] = []
        if let helloAt = nextHelloAt, now >= helloAt, case .connecting(let sessionID) = state {
            if helloAttemptsMade >= configuration.helloAttempts {
                let failure = LinkFailure.noAnswerToHello(attempts: helloAttemptsMade)
                state = .failed(failure)
                nextHelloAt = nil
                events.append(.linkFailed(failure))
            } else {
                helloAttemptsMade += 1
                nextHelloAt = now + configuration.helloInterval
                let hello = HostHello(sessionID: sessionID, hostSoftware: hostSoftware)
                emitHandshake(.hostHello(hello), now: now)
            }
        }
        if isEstablished {
            transmitInFlight(now: now, events: &events)
        }
        if negativeAcknowledgementDue || (acknowledgementDueAt.map { now >= $0 } ?? false) {
            emitLinkFrame(now: now)
        }
        if isEstablished, let limit = configuration.peerSilenceLimit, let heard = lastHeardAt, now >= heard + limit {
            let failure = LinkFailure.peerSilent(microseconds: now - heard)
            state = .failed(failure)
            events.append(.linkFailed(failure))
        }
        if isEstablished, output.isEmpty {
            if heartbeatAnswerDue {
                statistics.heartbeatAnswersSent += 1
                emitHeartbeat(now: now)
            } else if let requestAt = beatRequestTime, now >= requestAt {
                lastBeatRequestAt = now
                statistics.beatRequestsSent += 1
                emitHeartbeat(now: now)
            } else if now >= lastTransmitAt + heartbeatInterval {
                emitHeartbeat(now: now)
            }
        }
        heartbeatAnswerDue = false
        let bytes = output
        output.removeAll(keepingCapacity: true)
        return (bytes, events)
    }

    /// Board: when the next beat request of the current host silence is due, while armed.
    private var beatRequestTime: UInt64? {
        guard watchdogArmed, let silence = configuration.beatRequestSilence, let heard = lastHeardAt else { return nil }
        guard let last = lastBeatRequestAt else { return heard + silence }
        return last + configuration.beatRequestRepeat
    }

    private mutating func emitHeartbeat(now: UInt64) {
        output.append(FramingByte.heartbeat)
        statistics.heartbeatsSent += 1
        statistics.bytesSent += 1
        lastTransmitAt = now
    }

    private mutating func transmitInFlight(now: UInt64, events: inout [SessionEvent]) {
        // A retransmission timeout resends only the oldest frame: the peer keeps later ones, and its next
        // acknowledgement says what else is missing.
        if let oldest = inFlight.first, let sent = oldest.lastSentAt, now >= sent + retransmitTimeout {
            if oldest.transmissions > configuration.maximumRetransmissions {
                let failure = LinkFailure.retransmissionsExhausted(
                    sequence: oldest.sequence, attempts: oldest.transmissions - 1)
                state = .failed(failure)
                events.append(.linkFailed(failure))
                return
            }
            statistics.retransmissions += 1
            retransmitTimeout = min(retransmitTimeout * 2, configuration.maximumRetransmitTimeout)
            transmit(index: 0, now: now)
        }
        for index in inFlight.indices where inFlight[index].lastSentAt == nil {
            transmit(index: index, now: now)
        }
    }

    private mutating func transmit(index: Int, now: UInt64) {
        let frame = inFlight[index]
        emit(
            Frame(
                acknowledgement: expectedSequence &- 1, credit: advertisedCredit,
                body: .sequenced(sequence: frame.sequence, message: frame.message)), now: now)
        inFlight[index].lastSentAt = now
        inFlight[index].transmissions += 1
    }

    private var advertisedCredit: UInt32? { configuration.role == .board ? localCredit : nil }

    private mutating func emitLinkFrame(now: UInt64) {
        let isNegative = negativeAcknowledgementDue
        emit(
            Frame(
                acknowledgement: expectedSequence &- 1, isNegativeAcknowledgement: isNegative,
                credit: advertisedCredit, body: .linkOnly), now: now)
        if isNegative {
            statistics.negativeAcknowledgementsSent += 1
            lastNegativeAcknowledgement = (expectedSequence, now)
        }
    }

    private mutating func emitHandshake(_ message: Message, now: UInt64) {
        guard let raw = try? message.encoded() else { return }
        emit(Frame(acknowledgement: expectedSequence &- 1, body: .handshake(raw)), now: now)
    }

    private mutating func emit(_ frame: Frame, now: UInt64) {
        let before = output.count
        // Frames built here always fit: payloads were checked when the message was encoded.
        try? encoder.encode(frame, into: &output, leadingDelimiter: needsLeadingDelimiter)
        needsLeadingDelimiter = false
        statistics.framesSent += 1
        statistics.bytesSent += UInt64(output.count - before)
        lastTransmitAt = now
        // Every frame carries the cumulative acknowledgement, so none is owed any more.
        acknowledgementDueAt = nil
        negativeAcknowledgementDue = false
    }

    // MARK: Receiving

    /// Feeds bytes from the peer and returns what they meant.
    public mutating func receive<Bytes: Sequence<UInt8>>(_ bytes: Bytes, now: UInt64) -> [SessionEvent] {
        var events: [SessionEvent] = []
        var frames: [(Frame, UInt64)] = []
        var heardHeartbeat = false
        decoder.feed(bytes) { event in
            switch event {
            case .frame(let frame, let offset): frames.append((frame, offset))
            case .heartbeat: heardHeartbeat = true
            case .error(let error, let offset): events.append(.frameError(error, offset: offset))
            }
        }
        let previouslyHeardAt = lastHeardAt
        if heardHeartbeat || !frames.isEmpty { heard(now: now) }
        if heardHeartbeat, isEstablished, let quiet = configuration.heartbeatAnswerQuietTime,
            now >= lastTransmitAt + quiet, let previous = previouslyHeardAt,
            now < previous + configuration.beatRequestRecognition
        {
            heartbeatAnswerDue = true
        }
        for (frame, _) in frames {
            handle(frame, now: now, events: &events)
        }
        return events
    }

    private mutating func heard(now: UInt64) {
        if isEstablished, let last = lastHeardAt, now > last {
            statistics.longestPeerSilence = max(statistics.longestPeerSilence, now - last)
        }
        lastHeardAt = now
        lastBeatRequestAt = nil
    }

    private mutating func handle(_ frame: Frame, now: UInt64, events: inout [SessionEvent]) {
        if case .handshake(let raw) = frame.body {
            handleHandshake(raw, now: now, events: &events)
            return
        }
        guard isEstablished else {
            // A board that restarted hears frames of a session it no longer knows: say so with a hello for no
            // session, so that the host connects again instead of retransmitting into the void.
            if configuration.role == .board, case .sequenced = frame.body, var identity = boardIdentity {
                identity.protocolVersion = WireSchema.protocolVersion
                identity.schemaHash = decoder.schemaHash
                identity.sessionID = 0
                identity.boardTime = now
                identity.pendingCompletions = UInt32(pendingCompletionRecords)
                emitHandshake(.boardHello(identity), now: now)
            }
            return
        }
        if let credit = frame.credit, configuration.role == .host { peerCredit = credit }
        processAcknowledgement(frame.acknowledgement, isNegative: frame.isNegativeAcknowledgement, now: now)
        guard case .sequenced(let sequence, let raw) = frame.body else { return }
        receiveSequenced(sequence: sequence, raw: raw, now: now, events: &events)
    }

    private mutating func handleHandshake(_ raw: RawMessage, now: UInt64, events: inout [SessionEvent]) {
        let message: Message
        do { message = try Message(decoding: raw) } catch {
            statistics.malformedMessages += 1
            events.append(.malformedMessage(error, type: raw.type))
            return
        }
        switch (configuration.role, message) {
        case (.board, .hostHello(let hello)):
            answer(hello, now: now, events: &events)
        case (.host, .boardHello(let hello)):
            accept(hello, events: &events)
        default:
            break
        }
    }

    private mutating func answer(_ hello: HostHello, now: UInt64, events: inout [SessionEvent]) {
        guard var identity = boardIdentity else { return }
        events.append(.helloReceived(hello))
        identity.protocolVersion = WireSchema.protocolVersion
        identity.schemaHash = decoder.schemaHash
        identity.sessionID = hello.sessionID
        identity.boardTime = now
        let compatible =
            hello.protocolVersion == WireSchema.protocolVersion && hello.schemaHash == decoder.schemaHash
        if compatible, state != .established(sessionID: hello.sessionID) {
            resetSequencing(keepingUnacknowledged: configuration.carriesUnacknowledgedAcrossSessions)
            state = .established(sessionID: hello.sessionID)
            peerHello = .host(hello)
            needsLeadingDelimiter = true
            events.append(.established(peer: .host(hello)))
        } else if !compatible {
            let mismatch = HandshakeMismatch(
                localVersion: WireSchema.protocolVersion, localSchemaHash: decoder.schemaHash,
                peerVersion: hello.protocolVersion, peerSchemaHash: hello.schemaHash, peerName: hello.hostSoftware)
            state = .refused(mismatch)
            events.append(.refused(mismatch))
        }
        identity.pendingCompletions = UInt32(pendingCompletionRecords)
        // Answered even when refusing, so that the host can name both sides.
        emitHandshake(.boardHello(identity), now: now)
        // The session's first frame after the hello carries the credit, once the owner has emptied its queue.
        if isEstablished { acknowledgementDueAt = 0 }
    }

    private mutating func accept(_ hello: BoardHello, events: inout [SessionEvent]) {
        switch state {
        case .connecting(let sessionID) where hello.sessionID == sessionID:
            nextHelloAt = nil
            guard hello.protocolVersion == WireSchema.protocolVersion, hello.schemaHash == decoder.schemaHash else {
                let mismatch = HandshakeMismatch(
                    localVersion: WireSchema.protocolVersion, localSchemaHash: decoder.schemaHash,
                    peerVersion: hello.protocolVersion, peerSchemaHash: hello.schemaHash,
                    peerName: "board \(hello.boardModel) firmware \(hello.firmwareVersion)")
                state = .refused(mismatch)
                events.append(.refused(mismatch))
                return
            }
            resetSequencing(keepingUnacknowledged: false)
            // No credit until the board's first frame of the session says how much of its queue is free: a dot of
            // an earlier session may still hold a slot, so the hello's capacity would overstate it.
            peerCredit = 0
            // Beat at 40 % of the board's watchdog: two beats fall in every watchdog period, and the board's beat
            // request at 50 % is answered before the second is due.
            heartbeatInterval = min(
                configuration.heartbeatInterval, UInt64(hello.limits.watchdogMilliseconds) * 400)
            state = .established(sessionID: sessionID)
            peerHello = .board(hello)
            events.append(.established(peer: .board(hello)))
        case .established(let sessionID) where hello.sessionID != sessionID:
            state = .connecting(sessionID: sessionID)
            resetSequencing(keepingUnacknowledged: false)
            helloAttemptsMade = 0
            nextHelloAt = 0
            events.append(.peerRestarted(hello))
        default:
            break  // a duplicate answer to a retried hello
        }
    }

    private mutating func processAcknowledgement(_ acknowledgement: UInt8, isNegative: Bool, now: UInt64) {
        if let base = inFlight.first?.sequence {
            let acknowledged = Int(acknowledgement &+ 1 &- base)
            // Frames go out in order, so the sent ones are a prefix; an acknowledgement reaching past it (a confused
            // or hostile peer) must not drop messages that never left.
            let sent = inFlight.prefix { $0.lastSentAt != nil }.count
            if acknowledged > 0 && acknowledged <= sent {
                // Karn's rule: only frames sent once give a round-trip sample.
                let newest = inFlight[acknowledged - 1]
                if newest.transmissions == 1, let sent = newest.lastSentAt, now >= sent {
                    sampleRoundTrip(Double(now - sent))
                }
                inFlight.removeFirst(acknowledged)
                if smoothedRoundTrip == nil { retransmitTimeout = configuration.initialRetransmitTimeout }
            }
        }
        guard isNegative, let missing = inFlight.first, missing.sequence == acknowledgement &+ 1 else { return }
        // The first fast retransmission goes at once; repeats for the same gap wait out the hold-off.
        guard let sent = missing.lastSentAt else { return }
        if missing.transmissions == 1 || now >= sent + configuration.fastRetransmitHoldoff {
            statistics.fastRetransmissions += 1
            transmit(index: 0, now: now)
        }
    }

    private mutating func sampleRoundTrip(_ sample: Double) {
        if let smoothed = smoothedRoundTrip {
            roundTripVariance = 0.75 * roundTripVariance + 0.25 * abs(smoothed - sample)
            smoothedRoundTrip = 0.875 * smoothed + 0.125 * sample
        } else {
            smoothedRoundTrip = sample
            roundTripVariance = sample / 2
        }
        let timeout = UInt64((smoothedRoundTrip ?? sample) + 4 * roundTripVariance) + configuration.acknowledgementDelay
        retransmitTimeout = min(
            max(timeout, configuration.minimumRetransmitTimeout), configuration.maximumRetransmitTimeout)
    }

    private mutating func receiveSequenced(sequence: UInt8, raw: RawMessage, now: UInt64, events: inout [SessionEvent])
    {
        let distance = Int(sequence &- expectedSequence)
        let window = configuration.windowSize
        if distance >= 256 - window {
            // Already delivered: our acknowledgement was lost. Repeat it now.
            statistics.duplicatesReceived += 1
            acknowledgementDueAt = now
            return
        }
        guard distance < window else {
            statistics.outOfWindowReceived += 1
            return
        }
        if reorderBuffer[Int(sequence)] != nil {
            statistics.duplicatesReceived += 1
            return
        }
        let isPriority = MessageType(rawValue: raw.type)?.isPriority ?? false
        var buffered = BufferedFrame(message: raw, deliveredAsPriority: false)
        if isPriority {
            deliver(raw, asPriority: true, events: &events)
            buffered.deliveredAsPriority = true
        }
        reorderBuffer[Int(sequence)] = buffered
        while let next = reorderBuffer[Int(expectedSequence)] {
            reorderBuffer[Int(expectedSequence)] = nil
            expectedSequence &+= 1
            if !next.deliveredAsPriority { deliver(next.message, asPriority: false, events: &events) }
        }
        if distance > 0, reorderBuffer[Int(expectedSequence)] == nil {
            // A gap: ask for the missing frame now rather than waiting out the peer's timeout.
            let recentlyAsked =
                lastNegativeAcknowledgement.map {
                    $0.sequence == expectedSequence && now < $0.at + configuration.fastRetransmitHoldoff
                } ?? false
            if !recentlyAsked { negativeAcknowledgementDue = true }
        }
        if acknowledgementDueAt == nil { acknowledgementDueAt = now + configuration.acknowledgementDelay }
    }

    private mutating func deliver(_ raw: RawMessage, asPriority: Bool, events: inout [SessionEvent]) {
        do {
            let message = try Message(decoding: raw)
            statistics.messagesDelivered += 1
            events.append(asPriority ? .priority(message) : .message(message))
        } catch {
            statistics.malformedMessages += 1
            events.append(.malformedMessage(error, type: raw.type))
        }
    }

    private mutating func resetSequencing(keepingUnacknowledged: Bool) {
        let carried = keepingUnacknowledged ? Array(inFlight.map(\.message)) : []
        let carriedSlots = keepingUnacknowledged ? Array(inFlight.map(\.queueSlots)) : []
        inFlight.removeAll()
        nextSequence = 0
        expectedSequence = 0
        for index in reorderBuffer.indices { reorderBuffer[index] = nil }
        acknowledgementDueAt = nil
        negativeAcknowledgementDue = false
        lastNegativeAcknowledgement = nil
        smoothedRoundTrip = nil
        retransmitTimeout = configuration.initialRetransmitTimeout
        for (message, slots) in zip(carried, carriedSlots) {
            inFlight.append(InFlightFrame(sequence: nextSequence, message: message, queueSlots: slots))
            nextSequence &+= 1
        }
    }
}

struct InFlightFrame: Sendable {
    let sequence: UInt8
    let message: RawMessage
    let queueSlots: Int
    var lastSentAt: UInt64?
    var transmissions = 0
}

struct BufferedFrame: Sendable {
    let message: RawMessage
    var deliveredAsPriority: Bool
}
