import Foundation
import SMPWire

/// Where a dot is in its execution.
enum DotStage: Sendable {
    /// After a resume: waiting for the motor to be back within 2 % of the dot's rate.
    case spinUp
    /// X/Y moving to the site, Z to the travel height.
    case travel
    /// Waiting for the phase-locked moment to start down.
    case awaitDescent
    /// Z going down to the hang.
    case descending
    /// Z at the hang: every stroke bottom is counted.
    case stroking
    /// The last stroke is done; Z starts up after a margin.
    case awaitAscent
    /// Z going back up to the travel height.
    case ascending
}

/// A dot being executed.
struct DotRun: Sendable {
    var dot: QueuedDot
    var stage: DotStage
    var deadline: UInt64?
    var plan: DipPlan?
    var loads: [UInt8] = []
    var strokes: [StrokeTruth] = []
    /// Sensed load of the counted stroke bottom just passed (nil when it did not touch the skin).
    var lastCountedLoad: Double?
    /// Index of the stroke bottom the stroking stage waits for: a bottom is counted only once the physics has
    /// passed it, so a deadline that rounds a hair early can never count one bottom twice.
    var awaitedStroke: Int64 = 0

    var counted: Int { loads.count }
    var remaining: Int { dot.strokes - loads.count }
}

/// What the board is doing.
enum Activity: Sendable {
    case idle
    case moving(x: Double, y: Double, until: UInt64)
    case dot(DotRun)
}

extension SimulatedBoard {
    /// The motor must be within this fraction of a dot's rate when its strokes start (Docs/Protocol.md).
    static let rateTolerance = 0.02

    var currentDotID: UInt32 {
        if case .dot(let run) = activity { return run.dot.id }
        return 0
    }

    var activityDeadline: UInt64? {
        guard state == .running else { return nil }
        switch activity {
        case .idle: return nil
        case .moving(_, _, let until): return until
        case .dot(let run): return run.deadline
        }
    }

    var queueStartDeadline: UInt64? {
        guard state == .running, case .idle = activity, queueHead < queue.count else { return nil }
        return max(now, boardTime(ofSchedule: queue[queueHead].start))
    }

    // MARK: Starting commands

    mutating func startNextCommand() {
        guard queueHead < queue.count else { return }
        let command = queue[queueHead]
        queueHead += 1
        if queueHead > 256 && queueHead * 2 > queue.count {
            queue.removeFirst(queueHead)
            queueHead = 0
        }
        let time = Self.seconds(now)
        retractingDot = nil
        switch command {
        case .strokeRate(_, let hertz):
            commandedDrive = hertz
            physics.driveMotor(hertz, at: time)
            releaseSlots(1)
            becomeReadyIfIdle()
        case .move(_, let x, let y):
            let arrival = physics.moveXY(toX: x, toY: y, at: time)
            activity = .moving(x: x, y: y, until: Self.micros(arrival))
        case .dot(let dot):
            var run = DotRun(dot: dot, stage: .travel)
            run.deadline = beginTravel(dot, at: time)
            activity = .dot(run)
        }
    }

    /// Starts X/Y to the site and Z to the travel height; returns when both are there.
    mutating func beginTravel(_ dot: QueuedDot, at time: Double) -> UInt64 {
        let arrival = physics.moveXY(toX: dot.x, toY: dot.y, at: time)
        let zArrival = physics.moveZ(to: -dot.lift, at: time)
        return Self.micros(max(arrival, zArrival))
    }

    mutating func becomeReadyIfIdle() {
        if state == .running, case .idle = activity, queueHead >= queue.count { setState(.ready) }
    }

    // MARK: Stepping the dot

    mutating func stepActivity() {
        switch activity {
        case .idle:
            return
        case .moving:
            activity = .idle
            releaseSlots(1)
            becomeReadyIfIdle()
        case .dot(var run):
            // Take the run out of `activity` first so that its arrays are uniquely referenced (no copy on write).
            activity = .idle
            stepDot(&run)
        }
    }

    mutating func stepDot(_ run: inout DotRun) {
        let time = Self.seconds(now)
        let zLimits = setup.board.axes.z
        switch run.stage {
        case .spinUp:
            run.stage = .travel
            run.deadline = beginTravel(run.dot, at: time)
        case .travel:
            let rate = physics.motor.rate(at: time)
            guard abs(rate - run.dot.rate) <= Self.rateTolerance * run.dot.rate else {
                activity = .dot(run)
                raise(.strokeRateOutOfRange, value: Int64((rate * 100).rounded()), dotID: run.dot.id)
                return
            }
            guard
                let plan = DipPlan.plan(
                    earliest: time, travel: -run.dot.lift, hang: run.dot.hang, strokes: run.remaining,
                    motor: physics.motor, zMaxSpeed: zLimits.maxSpeedMMPerS, zMaxAcceleration: zLimits.maxAccelMMPerS2)
            else {
                activity = .dot(run)
                raise(.motorStall, value: Int64((rate * 100).rounded()), dotID: run.dot.id)
                return
            }
            run.plan = plan
            run.stage = .awaitDescent
            run.deadline = Self.micros(plan.descentStart)
        case .awaitDescent:
            physics.moveZ(to: run.dot.hang, at: time)
            run.stage = .descending
            run.deadline = Self.micros(physics.z.endTime)
        case .descending:
            run.stage = .stroking
            run.awaitedStroke = physics.nextStroke
            run.deadline = nextStrokeBottom()
        case .stroking:
            guard physics.nextStroke > run.awaitedStroke else {
                // The bottom is not behind us yet (its time rounded down to the microsecond): wait for it.
                run.deadline = nextStrokeBottom().map { max($0, now + 1) }
                break
            }
            run.awaitedStroke = physics.nextStroke
            run.loads.append(Self.loadUnits(run.lastCountedLoad ?? 0))
            run.lastCountedLoad = nil
            if run.remaining == 0 {
                run.stage = .awaitAscent
                run.deadline = now + Self.micros(DipPlan.margin)
            } else {
                run.deadline = nextStrokeBottom()
            }
        case .awaitAscent:
            physics.moveZ(to: -run.dot.lift, at: time)
            run.stage = .ascending
            run.deadline = Self.micros(physics.z.endTime)
        case .ascending:
            finish(run, outcome: .completed)
            activity = .idle
            becomeReadyIfIdle()
            return
        }
        activity = .dot(run)
    }

    /// Board time of the next stroke bottom, nil when the motor will not reach it (stopped or jammed).
    func nextStrokeBottom() -> UInt64? {
        let time = Self.seconds(now)
        guard
            let bottom = physics.motor.time(ofPhase: Double(physics.nextStroke) + 0.5, notBefore: time)
        else { return nil }
        return max(now, Self.micros(bottom))
    }

    static func loadUnits(_ newtons: Double) -> UInt8 {
        let units = (newtons * 1000 / Double(DotCompletion.loadUnitMillinewtons)).rounded()
        return UInt8(max(0, min(255, units)))
    }

    /// Routes a stroke that touched the skin into the truth of the dot running, or the stray list.
    mutating func record(_ event: StrokeEvent) {
        summary.skinContacts += 1
        if event.outcome.punctured { summary.punctures += 1 }
        if case .dot(var run) = activity {
            activity = .idle  // unique ownership of the run's arrays while appending
            let counted = run.stage == .stroking
            if counted { run.lastCountedLoad = event.sensedLoadN }
            run.strokes.append(StrokeTruth(event, counted: counted))
            activity = .dot(run)
        } else if var retracting = retractingDot {
            // A dot ended by a fault: the needle is still coming out of its site.
            retractingDot = nil
            retracting.run.strokes.append(StrokeTruth(event, counted: false))
            let old = dotTruths[retracting.truthIndex]
            dotTruths[retracting.truthIndex] = DotTruth(
                dotID: old.dotID, commandedXMM: old.commandedXMM, commandedYMM: old.commandedYMM,
                commandedHangMM: old.commandedHangMM, strokesCommanded: old.strokesCommanded,
                strokesCounted: old.strokesCounted, outcome: old.outcome, strokes: retracting.run.strokes,
                tissue: physics.patient.tissue(x: retracting.run.dot.x, y: retracting.run.dot.y))
            retractingDot = retracting
        } else {
            strayStrokes.append(StrokeTruth(event, counted: false))
        }
    }

    // MARK: Finishing dots

    /// Reports a dot and records its truth; frees its queue slot.
    mutating func finish(_ run: DotRun, outcome: DotOutcome) {
        queueCompletion(DotCompletion(dotID: run.dot.id, outcome: outcome, peakLoads: run.loads))
        recordTruth(run, outcome: outcome)
        if outcome == .completed {
            lastCompletedDot = run.dot.id
            session.boardIdentity?.lastCompletedDot = run.dot.id
        }
        releaseSlots(1)
    }

    mutating func recordTruth(_ run: DotRun, outcome: DotOutcome, outcomeName: String? = nil) {
        let tissue = physics.patient.tissue(x: run.dot.x, y: run.dot.y)
        let name = outcomeName ?? Self.name(of: outcome)
        let truth = DotTruth(
            dotID: run.dot.id, commandedXMM: run.dot.x, commandedYMM: run.dot.y, commandedHangMM: run.dot.hang,
            strokesCommanded: run.dot.strokes, strokesCounted: run.counted, outcome: name, strokes: run.strokes,
            tissue: tissue)
        switch outcome {
        case .completed: summary.dotsCompleted += 1
        case .interrupted: summary.dotsInterrupted += 1
        case .rejected: summary.dotsRejected += 1
        }
        summary.strokesCounted += run.counted
        dotTruths.append(truth)
    }

    static func name(of outcome: DotOutcome) -> String {
        switch outcome {
        case .completed: "completed"
        case .interrupted: "interrupted"
        case .rejected: "rejected"
        }
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
            lift: Double(train.liftMicrometres) / 1000, originX: 0, originY: 0)
        recordTruth(DotRun(dot: dot, stage: .travel), outcome: .rejected)
    }

    // MARK: Reports

    /// Docs/Protocol.md: a batch goes out at 32 records or 6 s after its first record, and before any fault.
    static let batchRecords = CompletionBatch.maximumCompletions
    static let batchDelay: UInt64 = 6_000_000

    mutating func queueCompletion(_ completion: DotCompletion) {
        pendingCompletions.append(completion)
        if pendingCompletions.count == 1 { batchDeadline = now + Self.batchDelay }
        if pendingCompletions.count >= Self.batchRecords { flushCompletions() }
    }

    mutating func flushCompletions() {
        batchDeadline = nil
        guard !pendingCompletions.isEmpty else { return }
        send(.completions(CompletionBatch(finishedAt: now, completions: pendingCompletions)))
        pendingCompletions.removeAll(keepingCapacity: true)
    }

    /// Reports a fault (completions first) and records it.
    mutating func reportFault(_ code: FaultCode, value: Int64, dotID: UInt32) {
        flushCompletions()
        send(.fault(Fault(code: code, boardTime: now, dotID: dotID, value: value)))
        faultTruths.append(FaultTruth(boardTimeMicros: now, code: code.name, dotID: dotID, value: value))
        summary.faults += 1
    }

    // MARK: Faults and the safe state

    /// A fault: the dot in progress ends (interrupted unless all its strokes were delivered), completions go out,
    /// the fault is reported, and the board enters the safe state.
    mutating func raise(_ code: FaultCode, value: Int64, dotID: UInt32) {
        if case .dot(let run) = activity {
            finish(run, outcome: run.remaining == 0 ? .completed : .interrupted)
            retractingDot = (dotTruths.count - 1, run)
        }
        activity = .idle
        reportFault(code, value: value, dotID: dotID)
        enterSafeState(fault: code)
    }

    /// Needle retracted by the clearance, motor stopped, X/Y decelerated to a stop, queue discarded.
    mutating func enterSafeState(fault: FaultCode) {
        let board = setup.board
        physics.enterSafeState(
            at: Self.seconds(now), clearance: board.retractClearanceMM, topOfTravel: board.hangRangeMM.lowerBound)
        commandedDrive = 0
        if let since = heldSince {
            heldTotal += now - since
            heldSince = nil
        }
        let discarded = occupiedSlots
        queue.removeAll()
        queueHead = 0
        lastQueuedDot = nil
        lastQueuedPosition = (physics.x.endPosition, physics.y.endPosition)
        if discarded > 0 { releaseSlots(discarded) }
        occupiedSlots = 0
        activeFault = fault
        setState(.safe)
    }

    // MARK: Hold and resume

    mutating func hold() {
        guard state == .running || state == .ready else { return }
        let time = Self.seconds(now)
        heldSince = now
        driveBeforeHold = commandedDrive
        let lift: Double
        if case .dot(let run) = activity { lift = run.dot.lift } else { lift = setup.board.retractClearanceMM }
        let zNow = physics.z.position(at: time)
        physics.moveZ(to: max(setup.board.hangRangeMM.lowerBound, min(zNow, -lift)), at: time)
        physics.driveMotor(0, at: time)
        physics.x.stop(at: time)
        physics.y.stop(at: time)
        switch activity {
        case .dot(var run):
            if run.remaining == 0 {
                // Every stroke was delivered; only the lift remained, which the hold just did.
                finish(run, outcome: .completed)
                retractingDot = (dotTruths.count - 1, run)
                activity = .idle
            } else {
                run.stage = .spinUp
                run.deadline = nil
                run.plan = nil
                activity = .dot(run)
            }
        case .moving, .idle:
            break
        }
        setState(.held)
    }

    mutating func resume() {
        guard state == .held, let since = heldSince else { return }
        let time = Self.seconds(now)
        heldTotal += now - since
        heldSince = nil
        commandedDrive = driveBeforeHold
        physics.driveMotor(driveBeforeHold, at: time)
        switch activity {
        case .moving(let x, let y, _):
            let arrival = physics.moveXY(toX: x, toY: y, at: time)
            activity = .moving(x: x, y: y, until: Self.micros(arrival))
        case .dot(var run):
            run.stage = .spinUp
            run.deadline = spinUpDeadline(rate: run.dot.rate)
            activity = .dot(run)
        case .idle:
            break
        }
        let busy: Bool
        if case .idle = activity { busy = queueHead < queue.count } else { busy = true }
        setState(busy ? .running : .ready)
    }

    /// When the motor will be within the rate tolerance of `rate` under its present drive (now, if it never will:
    /// the rate check at the site then rejects the dot).
    func spinUpDeadline(rate: Double) -> UInt64 {
        let time = Self.seconds(now)
        let motor = physics.motor
        let gap = abs(motor.rate(at: time) - motor.target)
        let allowed = Self.rateTolerance * rate * 0.5
        guard abs(motor.target - rate) < allowed, gap > allowed else { return now }
        return now + Self.micros(motor.timeConstant * log(gap / allowed))
    }

    // MARK: Board faults

    /// Brown-out and restart: RAM is lost (queue, session, unsent reports); the machine stops as in the safe state;
    /// the last completed dot id survives (non-volatile). The board comes back in the safe state and reports
    /// `board_reset` first in the next session.
    mutating func brownOut() {
        if case .dot(let run) = activity {
            // Its report dies with the RAM: the host learns its fate only from the truth, never over the wire.
            recordTruth(run, outcome: .interrupted, outcomeName: "lost_in_reset")
            retractingDot = (dotTruths.count - 1, run)
        }
        activity = .idle
        pendingCompletions.removeAll()
        batchDeadline = nil
        outbox.removeAll()
        bootCount += 1
        summary.boardResets += 1
        session = Self.makeSession(setup: setup, limits: limits, lastCompletedDot: lastCompletedDot)
        enterSafeState(fault: .boardReset)
        outbox.removeAll()
        reportFault(.boardReset, value: bootCount, dotID: 0)
        sendStatus()
    }

    // MARK: Truth

    /// The ground truth so far. Only the simulator's API and the truth file carry this; never the wire.
    public func truth() -> SimulationTruth {
        var totals = summary
        totals.boardTimeMicros = now - powerUpTime
        totals.strayStrokes = strayStrokes.count
        let punctured = dotTruths.filter { $0.depositDepthMM > 0 }
        totals.dotsTooDeep = dotTruths.filter { $0.tooDeep && $0.outcome != "rejected" }.count
        totals.dotsTooShallow = dotTruths.filter { $0.tooShallow && $0.outcome != "rejected" }.count
        totals.meanDepositDepthMM =
            punctured.isEmpty ? 0 : punctured.map(\.depositDepthMM).reduce(0, +) / Double(punctured.count)
        return SimulationTruth(
            seed: setup.seed, skinType: setup.skinType, surface: setup.surface, boardModel: setup.board.model,
            handpieceModel: setup.handpiece.model, faultSpec: setup.faultSpec, dots: dotTruths,
            strayStrokes: strayStrokes, faults: faultTruths, boardClock: setup.clock, summary: totals)
    }

    /// Counters only, cheap: for progress lines and benchmarks.
    public var runningSummary: SimulationSummary {
        var totals = summary
        totals.boardTimeMicros = now - powerUpTime
        totals.strayStrokes = strayStrokes.count
        return totals
    }
}

extension SimulatedBoard {
    /// Strokes counted so far for the dot in progress (0 when none runs): for tests and progress displays.
    public var countedStrokesOfCurrentDot: Int {
        if case .dot(let run) = activity { return run.counted }
        return 0
    }

    /// Board time the host was last heard (a valid frame or a heartbeat), nil before any.
    public var lastHeardFromHost: UInt64? { session.lastHeardAt }
}
