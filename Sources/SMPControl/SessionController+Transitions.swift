import DequeModule
import Logging
import SMPHardware
import SMPJournal
import SMPMotion
import SMPWire

extension SessionController {
    // MARK: The machine

    mutating func advance(now: UInt64, events: [SMPWire.SessionEvent]) -> Action {
        handle(events, now: now)
        if started { drive(now: now) }
        var (bytes, pollEvents) = session.poll(now: now)
        if !pollEvents.isEmpty {
            handle(pollEvents, now: now)
        }
        if configuration.identifyOnly && hello != nil { bytes = [] }
        // Handed over, not copied: `removeAll(keepingCapacity:)` on a buffer the action still shares would allocate
        // a new one on every input.
        var journal: [JournalEntry] = []
        if !journalOut.isEmpty { swap(&journal, &journalOut) }
        return Action(journal: journal, bytes: bytes, wakeAt: wakeTime(now: now))
    }

    @inline(__always)
    func wakeTime(now: UInt64) -> UInt64? {
        var wake = session.nextDeadline
        func consider(_ time: UInt64?) {
            guard let time else { return }
            wake = wake.map { min($0, time) } ?? time
        }
        if !isTerminal {
            if session.isEstablished {
                if let sent = queryOutstanding {
                    consider(sent + configuration.statusTimeout)
                } else {
                    consider(nextStatusAt)
                }
                if case .running(let streaming) = state, streaming.pending.isEmpty, accounting.awaiting > 0,
                    let end = scheduleEndHost, end > Double(now)
                {
                    consider(UInt64(end.rounded(.up)))
                }
                // The next command comes within the look-ahead then.
                if case .running(let streaming) = state, let next = streaming.pending.first,
                    next.start + heldOffset > configuration.lookAhead
                {
                    let due = clock.hostTime(atBoard: next.start + heldOffset - configuration.lookAhead)
                    consider(UInt64(max(0, due).rounded(.up)))
                }
            }
        }
        return wake.map { max($0, now + 1) }
    }

    mutating func handle(_ events: [SMPWire.SessionEvent], now: UInt64) {
        for event in events {
            switch event {
            case .established(.board(let boardHello)):
                identify(boardHello, now: now)
            case .established(.host):
                break
            case .refused(let mismatch):
                enterFault(.protocolMismatch(mismatch), now: now)
            case .peerRestarted(let boardHello):
                // Its queue and the reports it had not had acknowledged died with its RAM: what was sent and not
                // reported is of unknown fate, whatever a later session hears.
                if !isTerminal {
                    journalOut.append(.session(.disconnected))
                    journalOut.append(.session(.boardReset(lastCompletedDot: boardHello.lastCompletedDot)))
                }
                enterFault(.boardRestarted(lastCompletedDot: boardHello.lastCompletedDot), now: now)
            case .helloReceived:
                break
            case .message(let message), .priority(let message):
                handle(message, now: now)
            case .frameError(let error, let offset):
                logger.debug("frame error \(error) at byte \(offset)")
            case .malformedMessage(let error, let type):
                log(.warning, "malformed message type 0x\(String(type, radix: 16)): \(error)", now: now)
            case .linkFailed(let failure):
                if !isTerminal { journalOut.append(.session(.disconnected)) }
                enterFault(.linkLost(failure), now: now)
            }
        }
    }

    mutating func handle(_ message: Message, now: UInt64) {
        switch message {
        case .status(let status):
            if let sent = queryOutstanding {
                queryOutstanding = nil
                let sample = ClockSample(status: status, sent: sent, received: now)
                worstRoundTrip = max(worstRoundTrip, min(sample.roundTrip, 25_000))
                let update = clock.add(sample)
                logger.trace(
                    "clock sample",
                    metadata: [
                        "update": "\(update)", "rate_ppm": "\(clock.rateErrorPPM.formatted(decimals: 2))",
                        "host_us": "\(now)", "board_us": "\(status.boardTime)",
                    ])
                if case .identified(let samples) = state { state = .identified(samples: samples + 1) }
            }
            heldOffset = status.boardTime >= status.scheduleTime ? status.boardTime - status.scheduleTime : 0
            lastStatus = status
            reportedPosition = (Double(status.xMicrometres) / 1000, Double(status.yMicrometres) / 1000)
            checkReconciled(now: now)
        case .completions(let batch):
            lastReportAt = now
            for completion in batch.completions {
                recordsReceived += 1
                highestReportedWireID = max(highestReportedWireID, completion.dotID)
                let report = DotReport(
                    wireDot: completion.dotID, outcome: SMPJournal.DotOutcome(rawValue: completion.outcome.rawValue)!,
                    deliveredStrokes: UInt8(clamping: completion.strokesDelivered))
                if let index = dotIndex(ofWireID: completion.dotID) {
                    journalOut.append(.outcome(report))
                    accounting.record(
                        completion, index: index, strokesCommanded: dots[index].motion.strokes,
                        lastFault: lastFaultName)
                } else if resumption.earlierSends[completion.dotID] != nil {
                    journalOut.append(.outcome(report))
                } else {
                    accounting.record(completion, index: -1, strokesCommanded: 0, lastFault: nil)
                }
            }
            checkFinished(now: now)
        case .fault(let fault):
            faults.append(fault)
            recordEvent(.fault(.board(fault)), now: now, boardTime: fault.boardTime)
            if case .identified = state, fault.boardTime < hello?.boardTime ?? .max {
                // Before this session armed the board, a fault from before its hello is one the board kept from
                // before the reconnect (the trip that lost the link, or its restart), not a fault of this session.
                // A later one (a watchdog trip while the host takes its clock samples) undid this session's arm.
                if fault.code == .boardReset {
                    boardRestartReported = true
                    journalOut.append(.session(.boardReset(lastCompletedDot: hello?.lastCompletedDot ?? 0)))
                }
                log(.notice, "the board reports an earlier fault \(fault.code.name)", now: now)
                checkReconciled(now: now)
                return
            }
            lastFaultName = fault.code.name
            if !isTerminal {
                enterFault(.board(fault), now: now)
            } else {
                log(.notice, "board fault \(fault.code.name) after the session stopped", now: now)
            }
        case .touchOffResult(let result):
            touchOffResult(result, now: now)
        case .strokeDetail(let detail):
            strokeDetails.append(detail)
        default:
            break
        }
    }

    mutating func identify(_ boardHello: BoardHello, now: UInt64) {
        guard state == .disconnected else { return }
        hello = boardHello
        log(
            .info,
            "board \(boardHello.boardModel) \(boardHello.serialNumber) firmware \(boardHello.firmwareVersion), "
                + "queue \(boardHello.queueCapacity), surface \(boardHello.surfaceMode)", now: now)
        if let problem = HostChecks.firstProblem(in: dots, limits: boardHello.limits) {
            enterFault(.hostCheck(problem), now: now)
            return
        }
        machine = MotionMachine(
            board: board, handpiece: handpiece,
            minClearanceMM: Double(boardHello.limits.minimumClearanceMicrometres) / 1000)
        firstWireID = max(firstWireID, boardHello.lastCompletedDot &+ 1)
        journalOut.append(
            .session(
                .connected(
                    sessionID: boardHello.sessionID, lastCompletedDot: boardHello.lastCompletedDot,
                    pendingCompletions: boardHello.pendingCompletions)))
        transition(to: .identified(samples: 0), now: now)
        if !resumption.reconcileOnly && !configuration.identifyOnly {
            if let wanted = resumption.fitCartridge, wanted != boardHello.cartridge {
                // Priority commands act in the order sent: safe, the new cartridge, then armed again.
                sendControl(.disarm, now: now)
                sendControl(.cartridgeFitted(CartridgeFitted(cartridge: wanted)), now: now)
                log(.notice, "cartridge \(boardHello.cartridge) -> \(wanted)", now: now)
                cartridgeChanged = true
            }
            sendControl(.arm, now: now)
        }
        nextStatusAt = now
    }

    /// Settles whether the board's kept reports are all in, once, before anything of this session is sent: the
    /// hello's `pending_completions` records have come, and a status says no dot is in progress (a dot of the
    /// old session still finishing reports after the hello). A board that restarted lost them.
    mutating func checkReconciled(now: UInt64) {
        guard earlierReportsComplete == nil, case .identified = state, let hello else { return }
        if boardRestartReported {
            earlierReportsComplete = false
            log(.notice, "the board restarted: sends without a report are of unknown fate", now: now)
            return
        }
        guard recordsReceived >= Int(hello.pendingCompletions), let status = lastStatus, status.dotInProgress == 0
        else { return }
        earlierReportsComplete = true
        journalOut.append(.session(.allReportsReceived))
    }

    /// The per-phase work: clock samples, probing, streaming.
    mutating func drive(now: UInt64) {
        guard session.isEstablished else { return }
        if let sent = queryOutstanding, now >= sent + configuration.statusTimeout {
            queryOutstanding = nil
        }
        switch state {
        case .identified(let samples):
            // Identify-only ends at the hello: a status would be answered after the board's kept reports, and
            // acknowledging those here would take them from the run that needs them.
            if configuration.identifyOnly || (resumption.reconcileOnly && earlierReportsComplete != nil) {
                finishedAt = now
                transition(to: .finished, now: now)
                return
            }
            if samples >= configuration.warmUpSamples && clock.isSynchronised && earlierReportsComplete != nil {
                probingStartedAt = now
                if let kept = resumption.surface, kept.grid != nil, cartridgeChanged,
                    lastStatus?.surfaceMode == .unverified
                {
                    // The new needle reaches another depth: one touch-off at a stored node re-zeroes the map.
                    surface = kept
                    surface.invalidateZero()
                    transition(to: .armed(makeRezero(for: kept)), now: now)
                    drive(now: now)
                    return
                }
                if let kept = resumption.surface, let mode = lastStatus?.surfaceMode,
                    mode == .grid || mode == .flat, let status = lastStatus
                {
                    // The board kept the map it measured for this run: stream from where the head is.
                    surface = kept
                    log(.info, "the board kept its surface map: no probing", now: now)
                    startStreaming(
                        from: (Double(status.xMicrometres) / 1000, Double(status.yMicrometres) / 1000), now: now)
                    return
                }
                transition(to: .armed(makeProbing(now: now)), now: now)
                drive(now: now)
                return
            }
            if queryOutstanding == nil && now >= nextStatusAt {
                sendStatusQuery(now: now)
                nextStatusAt = now + configuration.warmUpInterval
            }
        case .armed(var probing):
            periodicStatus(now: now)
            probe(&probing, now: now)
            if case .armed = state { state = .armed(probing) }
        case .running(var streaming), .holding(var streaming):
            if streaming.pending.isEmpty, accounting.awaiting > 0, let end = scheduleEndHost, Double(now) >= end {
                nextStatusAt = min(nextStatusAt, now)
                periodicStatus(now: now, interval: configuration.finalStatusInterval)
            } else {
                periodicStatus(now: now)
            }
            // The phase's data leaves `state` while it changes, so its queue is uniquely referenced: otherwise the
            // first removal copies the whole queue of pending commands, on every call. `stream` reads no state.
            let holding: Bool
            if case .holding = state { holding = true } else { holding = false }
            state = .disconnected
            stream(&streaming, now: now)
            state = holding ? .holding(streaming) : .running(streaming)
        case .disconnected, .faulted, .finished:
            break
        }
    }

    mutating func periodicStatus(now: UInt64, interval: UInt64? = nil) {
        if queryOutstanding == nil && now >= nextStatusAt {
            sendStatusQuery(now: now)
            let settled = clock.samplesFitted >= configuration.settledClockSamples
            nextStatusAt =
                now + (interval ?? (settled ? configuration.settledStatusInterval : configuration.statusInterval))
        }
    }

    /// Host time (µs) at which the schedule's last dot should have ended on the board, while dots are out.
    var scheduleEndHost: Double? {
        guard let schedule, clock.samplesFitted > 0 else { return nil }
        return clock.hostTime(atBoard: schedule.end + heldOffset)
    }
}
