import DequeModule
import Logging
import SMPHardware
import SMPJournal
import SMPMotion
import SMPWire

extension SessionController {
    // MARK: Streaming

    mutating func startStreaming(from position: (x: Double, y: Double), now: UInt64) {
        guard let machine else { return }
        let host = HostSurface(map: surface)
        if let uncovered = dots.first(where: { !host.covers(xMM: $0.motion.xMM, yMM: $0.motion.yMM) }) {
            enterFault(
                .hostCheck(
                    HostCheckError(
                        dotID: uncovered.motion.id, field: "position", found: "outside the probed surface",
                        expected: "a place the board's map covers")), now: now)
            return
        }
        let start = MotionStart(
            time: earliestStart(now: now, margin: configuration.startMargin), xMM: position.x, yMM: position.y,
            zMM: machine.restingZMM, camPhase: 0.5, motorRateHz: 0, motorDriveHz: 0)
        let computed: MotionSchedule
        do {
            computed = try MotionScheduler(machine: machine, surface: host).schedule(dots.map(\.motion), from: start)
        } catch {
            enterFault(.motion(error), now: now)
            return
        }
        schedule = computed
        // Reports the board kept from before (another run's too) name ids this session must not reuse.
        firstWireID = max(firstWireID, highestReportedWireID &+ 1)
        let pending: Deque<Streaming.Outgoing>
        do {
            pending = try Self.outgoing(
                for: computed, firstWireID: firstWireID, maximumTrainDots: configuration.maximumTrainDots,
                strokeDetail: configuration.requestStrokeDetail)
        } catch {
            enterFault(
                .hostCheck(HostCheckError(dotID: 0, field: "dot_train", found: "\(error)", expected: "encodable")),
                now: now)
            return
        }
        streamingStartedAt = now
        log(
            .info,
            "streaming \(dots.count) dots, estimate \(computed.durationSeconds.formatted(decimals: 1)) s, start at "
                + "schedule time \(start.time)", now: now)
        transition(to: .running(Streaming(pending: pending)), now: now)
        drive(now: now)
    }

    /// The schedule's commands in queue order: each rate change just before its dot, runs of dots with the same
    /// strokes, rate and lift packed into trains of at most `maximumTrainDots`.
    static func outgoing(
        for schedule: MotionSchedule, firstWireID: UInt32 = 1, maximumTrainDots: Int, strokeDetail: Bool = false
    ) throws(MessageEncodingError)
        -> Deque<Streaming.Outgoing>
    {
        var result: Deque<Streaming.Outgoing> = []
        var changes = schedule.rateChanges[...]
        var run: [DotCommand] = []
        var runStart = 0
        var runShape: (strokes: UInt8, rate: UInt32, lift: UInt32)?
        func flush() throws(MessageEncodingError) {
            guard let shape = runShape, !run.isEmpty else { return }
            var offset = runStart
            for train in try DotTrain.pack(
                run, strokesPerDot: shape.strokes, strokeRateCentihertz: shape.rate, liftMicrometres: shape.lift,
                strokeDetail: strokeDetail)
            {
                result.append(
                    Streaming.Outgoing(
                        message: .dotTrain(train), start: train.dots[0].startTime,
                        dots: offset..<offset + train.dots.count))
                offset += train.dots.count
            }
            run = []
        }
        for (index, dot) in schedule.dots.enumerated() {
            let shape = (strokes: UInt8(dot.strokes), rate: dot.rateCentihertz, lift: dot.liftMicrometres)
            let sameShape = runShape.map { $0 == shape } ?? false
            let changeHere = changes.first?.beforeDot == index
            if !sameShape || changeHere || run.count >= maximumTrainDots { try flush() }
            while let change = changes.first, change.beforeDot == index {
                result.append(
                    Streaming.Outgoing(
                        message: .setStrokeRate(SetStrokeRate(startTime: change.time, centihertz: change.centihertz)),
                        start: change.time, dots: index..<index))
                changes = changes.dropFirst()
            }
            if run.isEmpty { runStart = index }
            runShape = shape
            run.append(
                DotCommand(
                    id: firstWireID + UInt32(index), startTime: dot.start, xMicrometres: dot.xMicrometres,
                    yMicrometres: dot.yMicrometres, hangMicrometres: dot.localHangMicrometres))
        }
        try flush()
        return result
    }

    mutating func stream(_ streaming: inout Streaming, now: UInt64) {
        guard let minimumLead = hello?.limits.minimumLeadMicroseconds else { return }
        let horizon = estimatedScheduleTime(atHost: now) + configuration.lookAhead
        while let next = streaming.pending.first, session.canSend,
            session.availableCredit >= next.message.queueSlots, next.start <= horizon
        {
            let deadline = clock.sendDeadline(
                forBoardTime: next.start + heldOffset, minimumLead: UInt64(minimumLead),
                linkLatency: max(configuration.assumedLinkLatency, worstRoundTrip))
            if Double(now) > deadline {
                sentPastDeadline += 1
                log(.warning, "command for schedule time \(next.start) sent past its deadline", now: now)
            }
            // The intents go into the journal before the train's bytes leave (the driver writes them first).
            for index in next.dots {
                journalOut.append(
                    .intent(
                        DotIntent(
                            wireDot: wireID(ofDot: index), planDot: UInt32(dots[index].motion.id),
                            strokes: UInt8(dots[index].motion.strokes))))
            }
            sendQueued(next.message, now: now)
            for index in next.dots { accounting.markSent(index) }
            streaming.pending.removeFirst()
        }
    }

    mutating func checkFinished(now: UInt64) {
        // Every dot completed. A dot discarded, rejected or interrupted means a fault, whose report follows the
        // records (Protocol.md §10.7): the session ends with that fault, not finished.
        guard case .running(let streaming) = state, streaming.pending.isEmpty, accounting.awaiting == 0,
            accounting.done == accounting.count
        else { return }
        if resumption.disarmWhenFinished { sendControl(.disarm, now: now) }
        finishedAt = now
        transition(to: .finished, now: now)
    }
}
