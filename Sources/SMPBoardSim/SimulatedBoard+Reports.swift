import Foundation
import SMPWire

extension SimulatedBoard {
    // MARK: Finishing dots

    /// Reports a dot (its record, and its stroke detail when asked) and records its truth; frees its queue slot.
    mutating func finish(_ run: DotRun, outcome: DotOutcome) {
        queueCompletion(DotCompletion(dotID: run.dot.id, outcome: outcome, peakLoads: run.loads))
        if run.dot.detail {
            var first = 0
            repeat {
                let end = min(run.samples.count, first + StrokeDetail.maximumSamples)
                send(.strokeDetail(StrokeDetail(dotID: run.dot.id, strokes: Array(run.samples[first..<end]))))
                first = end
            } while first < run.samples.count
        }
        recordTruth(run, outcome: outcome)
        if outcome == .completed {
            lastCompletedDot = run.dot.id
            session.boardIdentity?.lastCompletedDot = run.dot.id
        }
        releaseSlots(1)
    }

    mutating func recordTruth(_ run: DotRun, outcome: DotOutcome, outcomeName: String? = nil) {
        let tissue = physics.patient.tissue(x: run.dot.x, y: run.dot.y)
        let name = outcomeName ?? outcome.name
        let started = run.executedZ.isFinite
        let truth = DotTruth(
            dotID: run.dot.id, commandedXMM: run.dot.x, commandedYMM: run.dot.y, commandedHangMM: run.dot.hang,
            strokesCommanded: run.dot.strokes, strokesCounted: run.counted, outcome: name, start: run.startedAt,
            end: now, boardSurfaceMM: started ? Double(run.siteSurfaceMicrometres) / 1000 : nil,
            executedZMM: started ? run.executedZ : nil, dipStart: run.dipStartedAt, strokes: run.strokes,
            tissue: tissue)
        switch outcome {
        case .completed: summary.dotsCompleted += 1
        case .interrupted: summary.dotsInterrupted += 1
        case .rejected: summary.dotsRejected += 1
        case .discarded: summary.dotsDiscarded += 1
        }
        summary.strokesCounted += run.counted
        dotTruths.append(truth)
    }

    /// The truth of a dot refused at receipt: never touched.
    mutating func recordRejectedTruth(message: Message, dotID: UInt32) {
        guard case .dotTrain(let train) = message, let command = train.dots.first(where: { $0.id == dotID }) else {
            return
        }
        let dot = QueuedDot(
            id: dotID, start: command.startTime, x: Double(command.xMicrometres) / 1000,
            y: Double(command.yMicrometres) / 1000, hang: Double(command.hangMicrometres) / 1000,
            strokes: Int(train.strokesPerDot), rate: Double(train.strokeRateCentihertz) / 100,
            lift: Double(train.liftMicrometres) / 1000, detail: false, originX: 0, originY: 0)
        recordTruth(
            DotRun(dot: dot, stage: .raise, startedAt: now, siteSurfaceMicrometres: 0, executedZ: .nan, liftZ: .nan),
            outcome: .rejected)
    }

    // MARK: Reports

    /// Docs/Protocol.md: a batch goes out at 32 records or 6 s after its first record, and before any fault, touch-off
    /// result or status.
    static let batchRecords = CompletionBatch.maximumCompletions
    static let batchDelay: UInt64 = 6_000_000

    mutating func queueCompletion(_ completion: DotCompletion) {
        pendingCompletions.append(completion)
        lastRecordFinishedAt = now
        if pendingCompletions.count == 1 { batchDeadline = now + Self.batchDelay }
        if pendingCompletions.count >= Self.batchRecords { flushCompletions() }
    }

    mutating func flushCompletions() {
        batchDeadline = nil
        guard !pendingCompletions.isEmpty else { return }
        send(.completions(CompletionBatch(finishedAt: lastRecordFinishedAt, completions: pendingCompletions)))
        pendingCompletions.removeAll(keepingCapacity: true)
    }

    /// Reports a fault (completions first) and records it.
    mutating func reportFault(_ code: FaultCode, value: Int64, dotID: UInt32) {
        flushCompletions()
        send(.fault(Fault(code: code, boardTime: now, dotID: dotID, value: value)))
        faultTruths.append(FaultTruth(boardTimeMicros: now, code: code.name, dotID: dotID, value: value))
        summary.faults += 1
    }
}
