import Foundation
import SMPWire

/// Where a dot is in its execution (Docs/Protocol.md §10 gives the order).
enum DotStage: Sendable {
    /// Held: waiting for resume (and the motor) to start again from the hop.
    case held
    /// Z going up to the hop height; X/Y wait for it.
    case raise
    /// X/Y moving in a straight line to the site at the hop height.
    case travel
    /// Waiting for the phase-locked moment to start down.
    case awaitDescent
    /// Z going down to the executed Z.
    case descending
    /// Z at the executed Z: waiting for the remaining full-depth bottoms.
    case stroking
    /// The last stroke is done; Z starts up after a margin.
    case awaitAscent
    /// Z going back up to the lift height over the site.
    case ascending
}

/// A dot being executed.
struct DotRun: Sendable {
    var dot: QueuedDot
    var stage: DotStage
    var deadline: UInt64?
    var plan: DipPlan?
    /// Board time the dot started (its start check passed).
    var startedAt: UInt64
    /// The board's surface height at the site (um) and the axis Z of the stroke bottom and of the lift (mm).
    var siteSurfaceMicrometres: Int32
    var executedZ: Double
    var liftZ: Double
    /// Board time Z first started down towards the skin: from then on the dot ends `completed` or `interrupted`.
    var dipStartedAt: UInt64?
    var dipStarted: Bool { dipStartedAt != nil }
    var loads: [UInt8] = []
    var strokes: [StrokeTruth] = []
    var samples: [StrokeSample] = []

    var counted: Int { loads.count }
    var remaining: Int { dot.strokes - loads.count }
}

/// A `move_to` being executed: Z to the hop height, then X/Y.
struct MoveRun: Sendable {
    var x: Double
    var y: Double
    var hopZ: Double
    var travelling = false
    var deadline: UInt64
}

/// Where a touch-off is.
enum ProbeStage: Sendable {
    /// Motor stopping, Z going up to the retract height.
    case stopMotor
    /// The cam creeping to bottom dead centre.
    case park
    /// X/Y to the site.
    case travel
    /// Z down at the approach speed to the approach Z (or to where it stops, if sooner).
    case approach
    /// Z down at the probe speed to where it stops.
    case descend
    /// Z back up to the retract height; the result goes out when it is there.
    case retract
    /// Held: starts again from the beginning on resume.
    case held
}

/// A touch-off being executed.
struct ProbeRun: Sendable {
    var probe: QueuedProbe
    var stage: ProbeStage
    var deadline: UInt64?
    var result: TouchOffResult?
    var truth: TouchOffTruth?
    /// Where the descent stops (axis Z, mm).
    var stopZ = 0.0
}

/// What the board is doing.
enum Activity: Sendable {
    case idle
    case moving(MoveRun)
    case dot(DotRun)
    case probe(ProbeRun)
}

extension SimulatedBoard {
    /// The motor must be within this fraction of a dot's rate when its strokes start (Docs/Protocol.md).
    static let rateTolerance = 0.02
    /// After a resume the motor is brought within this fraction of its drive before anything starts.
    static let resumeRateTolerance = 0.01
    /// The stopped motor creeps the cam to bottom dead centre in this long (s).
    static let camParkSeconds = 0.02
    /// The motor counts as stopped below this rate (Hz) before the cam is parked.
    static let stoppedRateHz = 0.5

    var currentDotID: UInt32 {
        if case .dot(let run) = activity { return run.dot.id }
        return 0
    }

    var activityDeadline: UInt64? {
        guard state == .running, resumeReadyAt == nil else { return nil }
        switch activity {
        case .idle: return nil
        case .moving(let run): return run.deadline
        case .dot(let run): return run.deadline
        case .probe(let run): return run.deadline
        }
    }

    var queueStartDeadline: UInt64? {
        guard state == .running, resumeReadyAt == nil, case .idle = activity, queueHead < queue.count else {
            return nil
        }
        return max(now, boardTime(ofSchedule: queue[queueHead].start))
    }

    /// Top of Z travel (hang coordinates, mm): the retract height of touch-offs and of hops the map cannot cover.
    var topOfTravel: Double { setup.board.hangRangeMM.lowerBound }

    /// Rounds an axis Z (um) to the Z resolution; mm.
    func quantizedZ(micrometres: Double) -> Double {
        let step = Double(max(1, limits.zResolutionMicrometres))
        return (micrometres / step).rounded() * step / 1000
    }

    /// The axis Z of the hop from the present X/Y to (`x`, `y`) with the bottom of the stroke `clearance` mm above
    /// the highest mapped skin of the straight segment; the top of travel when the segment is not covered or X/Y
    /// are still moving (the path is then not the straight segment).
    func hopZ(toX x: Double, y: Double, clearance: Double) -> Double {
        let time = Self.seconds(now)
        guard !physics.x.isMoving(at: time), !physics.y.isMoving(at: time),
            let highest = surfaceMap.highest(
                from: (physics.x.position(at: time) * 1000, physics.y.position(at: time) * 1000),
                to: (x * 1000, y * 1000))
        else { return topOfTravel }
        return max(topOfTravel, quantizedZ(micrometres: -(clearance * 1000 + Double(highest))))
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
        case .surfaceGrid(let grid):
            surfaceMap.declare(grid)
            announceSurfaceMode()
            releaseSlots(1)
            becomeReadyIfIdle()
        case .move(_, let x, let y):
            guard surfaceMap.height(x: x * 1000, y: y * 1000) != nil else {
                releaseSlots(1)
                raise(.noSurface, value: Int64((x * 1000).rounded()), dotID: 0)
                return
            }
            var run = MoveRun(
                x: x, y: y, hopZ: hopZ(toX: x, y: y, clearance: setup.board.retractClearanceMM), deadline: now)
            run.deadline = beginMove(&run)
            activity = .moving(run)
        case .touchOff(let probe):
            startProbe(probe)
        case .dot(let dot):
            startDot(dot)
        }
    }

    /// Z up to the move's hop height if that is higher; X/Y wait for it.
    mutating func beginMove(_ run: inout MoveRun) -> UInt64 {
        let time = Self.seconds(now)
        run.hopZ = min(run.hopZ, physics.z.endPosition)
        if run.hopZ < physics.z.position(at: time) - 1e-9 {
            run.travelling = false
            return Self.micros(physics.moveZ(to: run.hopZ, at: time))
        }
        run.travelling = true
        return Self.micros(physics.moveXYStraight(toX: run.x, toY: run.y, at: time))
    }

    /// The start check of a dot: the board's surface covers the site, and its executed Z and lift height are in
    /// travel. A dot refused here is `rejected` (it never went towards the skin).
    mutating func startDot(_ dot: QueuedDot) {
        guard let surface = surfaceMap.height(x: dot.x * 1000, y: dot.y * 1000) else {
            reject(dot, code: .noSurface, value: Int64((dot.x * 1000).rounded()))
            return
        }
        let executed = quantizedZ(micrometres: dot.hang * 1000 - Double(surface))
        let lift = quantizedZ(micrometres: -(dot.lift * 1000 + Double(surface)))
        let range = setup.board.hangRangeMM
        guard range.contains(executed), range.contains(lift) else {
            let value = range.contains(executed) ? lift : executed
            reject(dot, code: .positionOutOfTravel, value: Int64((value * 1000).rounded()))
            return
        }
        var run = DotRun(
            dot: dot, stage: .raise, startedAt: now, siteSurfaceMicrometres: surface, executedZ: executed, liftZ: lift)
        beginHop(&run)
        activity = .dot(run)
    }

    /// A dot refused by a check at its start: its record, its truth, the fault and the safe state.
    mutating func reject(_ dot: QueuedDot, code: FaultCode, value: Int64) {
        let run = DotRun(
            dot: dot, stage: .raise, startedAt: now, siteSurfaceMicrometres: 0, executedZ: .nan, liftZ: .nan)
        finish(run, outcome: .rejected)
        activity = .idle
        raise(code, value: value, dotID: dot.id)
    }

    /// The hop: Z up to the hop height if that is higher than Z now (X/Y wait), then X/Y.
    mutating func beginHop(_ run: inout DotRun) {
        let time = Self.seconds(now)
        let hop = min(hopZ(toX: run.dot.x, y: run.dot.y, clearance: run.dot.lift), run.liftZ)
        if hop < physics.z.position(at: time) - 1e-9 || physics.z.isMoving(at: time) {
            run.stage = .raise
            run.deadline = Self.micros(physics.moveZ(to: min(hop, physics.z.endPosition), at: time))
        } else {
            run.stage = .travel
            run.deadline = Self.micros(physics.moveXYStraight(toX: run.dot.x, toY: run.dot.y, at: time))
        }
    }

    mutating func becomeReadyIfIdle() {
        if state == .running, case .idle = activity, queueHead >= queue.count { setState(.ready) }
    }

    // MARK: Stepping

    mutating func stepActivity() {
        switch activity {
        case .idle:
            return
        case .moving(var run):
            if run.travelling {
                activity = .idle
                releaseSlots(1)
                becomeReadyIfIdle()
            } else {
                run.travelling = true
                run.deadline = Self.micros(physics.moveXYStraight(toX: run.x, toY: run.y, at: Self.seconds(now)))
                activity = .moving(run)
            }
        case .dot(var run):
            // Take the run out of `activity` first so that its arrays are uniquely referenced (no copy on write).
            activity = .idle
            stepDot(&run)
        case .probe(var run):
            activity = .idle
            stepProbe(&run)
        }
    }

    mutating func stepDot(_ run: inout DotRun) {
        let time = Self.seconds(now)
        let zLimits = setup.board.axes.z
        switch run.stage {
        case .held:
            run.deadline = nil
        case .raise:
            run.stage = .travel
            run.deadline = Self.micros(physics.moveXYStraight(toX: run.dot.x, toY: run.dot.y, at: time))
        case .travel:
            let rate = physics.motor.rate(at: time)
            guard abs(rate - run.dot.rate) <= Self.rateTolerance * run.dot.rate else {
                // Refused before its dip (first time) or stopped short after a hold (its dip had started).
                if run.dipStarted {
                    activity = .dot(run)
                    raise(.strokeRateOutOfRange, value: Int64((rate * 100).rounded()), dotID: run.dot.id)
                } else {
                    reject(run.dot, code: .strokeRateOutOfRange, value: Int64((rate * 100).rounded()))
                }
                return
            }
            guard
                let plan = DipPlan.plan(
                    earliest: time, travel: physics.z.position(at: time), hang: run.executedZ, strokes: run.remaining,
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
            physics.moveZ(to: run.executedZ, at: time)
            if run.dipStartedAt == nil { run.dipStartedAt = now }
            run.stage = .descending
            run.deadline = Self.micros(physics.z.endTime)
        case .descending, .stroking:
            if run.remaining == 0 {
                run.stage = .awaitAscent
                run.deadline = now + Self.micros(DipPlan.margin)
            } else {
                run.stage = .stroking
                run.deadline = nextStrokeBottom().map { max($0, now + 1) }
            }
        case .awaitAscent:
            physics.moveZ(to: run.liftZ, at: time)
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

    static func millinewtons(_ newtons: Double) -> UInt16 {
        UInt16(max(0, min(Double(UInt16.max), (newtons * 1000).rounded())))
    }

    /// Routes a stroke bottom: into the dot running (counted when full-depth, up to its strokes), the dot retracting
    /// after a fault (skin contacts only), or the stray list (skin contacts only).
    mutating func record(_ event: StrokeEvent) {
        if event.touchesSkin {
            summary.skinContacts += 1
            if event.outcome.punctured { summary.punctures += 1 }
        }
        if case .dot(var run) = activity {
            activity = .idle  // unique ownership of the run's arrays while appending
            let tolerance = Double(limits.fullDepthToleranceMicrometres) / 1000
            let fullDepth = abs(event.zMM - run.executedZ) <= tolerance + 1e-9
            let counted = fullDepth && run.remaining > 0
            if counted { run.loads.append(Self.loadUnits(event.sensedLoadN)) }
            // From its dip on, every bottom is the dot's (truth and detail); before it, at the hop height, only a
            // bottom that touched the skin is worth a record (there should be none).
            if run.dipStarted || event.touchesSkin || counted {
                run.strokes.append(StrokeTruth(event, counted: counted, fullDepth: fullDepth))
            }
            if run.dot.detail && (run.dipStarted || counted) {
                let offset = Self.micros(event.timeS) > run.startedAt ? Self.micros(event.timeS) - run.startedAt : 0
                run.samples.append(
                    StrokeSample(
                        offsetMicroseconds: UInt32(clamping: offset),
                        zMicrometres: Int32((event.zMM * 1000).rounded()) + run.siteSurfaceMicrometres,
                        peakLoadMillinewtons: Self.millinewtons(event.sensedLoadN),
                        bottomLoadMillinewtons: Self.millinewtons(event.sensedBottomLoadN),
                        rateCentihertz: UInt32(max(0, (event.rateHz * 100).rounded())), counted: counted))
            }
            activity = .dot(run)
        } else if !event.touchesSkin {
            return
        } else if var retracting = retractingDot {
            // A dot ended by a fault or a hold: the needle is still coming out of its site.
            retractingDot = nil
            retracting.run.strokes.append(StrokeTruth(event, counted: false, fullDepth: false))
            dotTruths[retracting.truthIndex] = dotTruths[retracting.truthIndex].replacingStrokes(
                retracting.run.strokes,
                tissue: physics.patient.tissue(x: retracting.run.dot.x, y: retracting.run.dot.y))
            retractingDot = retracting
        } else {
            strayStrokes.append(StrokeTruth(event, counted: false, fullDepth: false))
        }
    }

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

    // MARK: Faults and the safe state

    /// A fault: the dot in progress ends (`completed` if all its strokes were delivered, `interrupted` if its dip had
    /// started, else `discarded`), the queued dots are reported `discarded`, completions go out, the fault is
    /// reported, and the board enters the safe state.
    mutating func raise(_ code: FaultCode, value: Int64, dotID: UInt32) {
        if case .dot(let run) = activity {
            finish(run, outcome: run.remaining == 0 ? .completed : run.dipStarted ? .interrupted : .discarded)
            retractingDot = (dotTruths.count - 1, run)
        }
        activity = .idle
        discardQueuedCommands()
        reportFault(code, value: value, dotID: dotID)
        enterSafeState(fault: code)
    }

    /// Needle retracted to the clearance above the mapped skin (the highest of the stretch X/Y still travel while they
    /// stop; the top of travel where the map does not cover), motor stopped, X/Y decelerated, queue empty.
    mutating func enterSafeState(fault: FaultCode) {
        let board = setup.board
        let time = Self.seconds(now)
        var stopping = physics
        stopping.x.stop(at: time)
        stopping.y.stop(at: time)
        let skin = surfaceMap.highest(
            from: (physics.x.position(at: time) * 1000, physics.y.position(at: time) * 1000),
            to: (stopping.x.endPosition * 1000, stopping.y.endPosition * 1000))
        physics.enterSafeState(
            at: time, clearance: board.retractClearanceMM, topOfTravel: board.hangRangeMM.lowerBound,
            skinHeight: skin.map { Double($0) / 1000 })
        commandedDrive = 0
        resumeReadyAt = nil
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
        if heldSince == nil { heldSince = now }
        resumeReadyAt = nil
        if commandedDrive > 0 || physics.motor.target > 0 { driveBeforeHold = commandedDrive }
        let liftZ: Double
        if case .dot(let run) = activity {
            liftZ = run.liftZ
        } else {
            liftZ = -setup.board.retractClearanceMM
        }
        let zNow = physics.z.position(at: time)
        physics.moveZ(to: max(topOfTravel, min(zNow, liftZ)), at: time)
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
                // The dot stays in progress: bottoms on the way up still count when full-depth.
                run.stage = .held
                run.deadline = nil
                run.plan = nil
                activity = .dot(run)
            }
        case .probe(var run):
            physics.moveZ(to: topOfTravel, at: time)
            run.stage = .held
            run.deadline = nil
            activity = .probe(run)
        case .moving, .idle:
            break
        }
        setState(.held)
    }

    /// Resume: the motor goes back to its drive before the hold, and the schedule clock stays frozen (nothing
    /// starts, nothing becomes late) until it is within 1 % of it; then the interrupted work starts again from its
    /// hop. Every hold, in a dot or between dots.
    mutating func resume() {
        guard state == .held, heldSince != nil else { return }
        commandedDrive = driveBeforeHold
        physics.driveMotor(driveBeforeHold, at: Self.seconds(now))
        resumeReadyAt = now + spinUpTime(to: driveBeforeHold)
        let busy: Bool
        if case .idle = activity { busy = queueHead < queue.count } else { busy = true }
        setState(busy ? .running : .ready)
    }

    /// Time (us) until the motor is within ``resumeRateTolerance`` of `drive` (0 when it already is or the drive
    /// is off).
    func spinUpTime(to drive: Double) -> UInt64 {
        guard drive > 0 else { return 0 }
        let motor = physics.motor
        let gap = abs(motor.rate(at: Self.seconds(now)) - drive)
        let allowed = Self.resumeRateTolerance * drive * 0.5
        guard gap > allowed else { return 0 }
        return Self.micros(motor.timeConstant * log(gap / allowed))
    }

    /// The motor is back at rate after a resume: the schedule clock runs again and the held work restarts.
    mutating func finishResume() {
        resumeReadyAt = nil
        if let since = heldSince {
            heldTotal += now - since
            heldSince = nil
        }
        switch activity {
        case .moving(var run):
            run.hopZ = hopZ(toX: run.x, y: run.y, clearance: setup.board.retractClearanceMM)
            run.deadline = beginMove(&run)
            activity = .moving(run)
        case .dot(var run):
            activity = .idle
            beginHop(&run)
            activity = .dot(run)
        case .probe(var run):
            run.stage = .stopMotor
            run.deadline = beginProbe()
            activity = .probe(run)
        case .idle:
            break
        }
    }

    // MARK: Board faults

    /// Brown-out and restart: RAM is lost (queue, session, unsent reports, the surface map); the machine stops as in
    /// the safe state; the last completed dot id survives (non-volatile). The board comes back in the safe state and
    /// reports `board_reset` first in the next session.
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
        surfaceMap.clear()
        session = Self.makeSession(
            setup: setup, limits: limits, lastCompletedDot: lastCompletedDot, cartridge: cartridge,
            surfaceMode: surfaceMap.mode)
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
        totals.touchOffs = touchOffTruths.count
        totals.touchOffPunctures = touchOffTruths.filter(\.punctured).count
        let punctured = dotTruths.filter { $0.depositDepthMM > 0 }
        let ran = dotTruths.filter { $0.outcome != "rejected" && $0.outcome != "discarded" }
        totals.dotsTooDeep = ran.filter(\.tooDeep).count
        totals.dotsTooShallow = ran.filter(\.tooShallow).count
        totals.meanDepositDepthMM =
            punctured.isEmpty ? 0 : punctured.map(\.depositDepthMM).reduce(0, +) / Double(punctured.count)
        return SimulationTruth(
            seed: setup.seed, skinType: setup.skinType, surface: setup.surface, boardModel: setup.board.model,
            handpieceModel: setup.handpiece.model, cartridges: cartridgeHistory, faultSpec: setup.faultSpec,
            dots: dotTruths, strayStrokes: strayStrokes, touchOffs: touchOffTruths, faults: faultTruths,
            boardClock: setup.clock, summary: totals)
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
