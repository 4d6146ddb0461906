import DequeModule
import Logging
import SMPHardware
import SMPMotion
import SMPWire

extension SessionController {
    // MARK: The machine

    mutating func advance(now: UInt64, events: [SessionEvent]) -> Action {
        handle(events, now: now)
        if started { drive(now: now) }
        let (bytes, pollEvents) = session.poll(now: now)
        if !pollEvents.isEmpty {
            handle(pollEvents, now: now)
        }
        return Action(bytes: bytes, wakeAt: wakeTime(now: now))
    }

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
            }
        }
        return wake.map { max($0, now + 1) }
    }

    mutating func handle(_ events: [SessionEvent], now: UInt64) {
        for event in events {
            switch event {
            case .established(.board(let boardHello)):
                identify(boardHello, now: now)
            case .established(.host):
                break
            case .refused(let mismatch):
                enterFault(.protocolMismatch(mismatch), now: now)
            case .peerRestarted(let boardHello):
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
        case .completions(let batch):
            for completion in batch.completions {
                let index = Int(completion.dotID) - 1
                let commanded = dots.indices.contains(index) ? dots[index].motion.strokes : 0
                accounting.record(completion, index: index, strokesCommanded: commanded, lastFault: lastFaultName)
            }
            checkFinished(now: now)
        case .fault(let fault):
            faults.append(fault)
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
        transition(to: .identified(samples: 0), now: now)
        sendControl(.arm, now: now)
        nextStatusAt = now
    }

    /// The per-phase work: clock samples, probing, streaming.
    mutating func drive(now: UInt64) {
        guard session.isEstablished else { return }
        if let sent = queryOutstanding, now >= sent + configuration.statusTimeout {
            queryOutstanding = nil
        }
        switch state {
        case .identified(let samples):
            if samples >= configuration.warmUpSamples && clock.isSynchronised {
                probingStartedAt = now
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
