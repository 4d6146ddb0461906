import DequeModule

extension WireSession {
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
        // Nothing to send is the common case (a board loop polls after every event): returning the empty buffer and
        // then clearing it would allocate a fresh one of the same capacity on every poll.
        guard !output.isEmpty else { return ([], events) }
        let bytes = output
        output.removeAll(keepingCapacity: true)
        return (bytes, events)
    }

    /// Board: when the next beat request of the current host silence is due, while armed.
    @inlinable var beatRequestTime: UInt64? {
        guard watchdogArmed, let silence = configuration.beatRequestSilence, let heard = lastHeardAt else { return nil }
        guard let last = lastBeatRequestAt else { return heard + silence }
        return last + configuration.beatRequestRepeat
    }

    mutating func emitHeartbeat(now: UInt64) {
        output.append(FramingByte.heartbeat)
        statistics.heartbeatsSent += 1
        statistics.bytesSent += 1
        lastTransmitAt = now
    }

    mutating func transmitInFlight(now: UInt64, events: inout [SessionEvent]) {
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

    mutating func transmit(index: Int, now: UInt64) {
        let frame = inFlight[index]
        emit(
            Frame(
                acknowledgement: expectedSequence &- 1, credit: advertisedCredit,
                body: .sequenced(sequence: frame.sequence, message: frame.message)), now: now)
        inFlight[index].lastSentAt = now
        inFlight[index].transmissions += 1
    }

    var advertisedCredit: UInt32? { configuration.role == .board ? localCredit : nil }

    mutating func emitLinkFrame(now: UInt64) {
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

    mutating func emitHandshake(_ message: Message, now: UInt64) {
        guard let raw = try? message.encoded() else { return }
        emit(Frame(acknowledgement: expectedSequence &- 1, body: .handshake(raw)), now: now)
    }

    mutating func emit(_ frame: Frame, now: UInt64) {
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
}
