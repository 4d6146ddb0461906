import DequeModule

extension WireSession {
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

    mutating func heard(now: UInt64) {
        if isEstablished, let last = lastHeardAt, now > last {
            statistics.longestPeerSilence = max(statistics.longestPeerSilence, now - last)
        }
        lastHeardAt = now
        lastBeatRequestAt = nil
    }

    mutating func handle(_ frame: Frame, now: UInt64, events: inout [SessionEvent]) {
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

    mutating func handleHandshake(_ raw: RawMessage, now: UInt64, events: inout [SessionEvent]) {
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

    mutating func answer(_ hello: HostHello, now: UInt64, events: inout [SessionEvent]) {
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

    mutating func accept(_ hello: BoardHello, events: inout [SessionEvent]) {
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

    mutating func processAcknowledgement(_ acknowledgement: UInt8, isNegative: Bool, now: UInt64) {
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

    mutating func sampleRoundTrip(_ sample: Double) {
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

    mutating func receiveSequenced(sequence: UInt8, raw: RawMessage, now: UInt64, events: inout [SessionEvent]) {
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

    mutating func deliver(_ raw: RawMessage, asPriority: Bool, events: inout [SessionEvent]) {
        do {
            let message = try Message(decoding: raw)
            statistics.messagesDelivered += 1
            events.append(asPriority ? .priority(message) : .message(message))
        } catch {
            statistics.malformedMessages += 1
            events.append(.malformedMessage(error, type: raw.type))
        }
    }

    mutating func resetSequencing(keepingUnacknowledged: Bool) {
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
