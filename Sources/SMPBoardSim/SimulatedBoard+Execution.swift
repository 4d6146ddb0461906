import Foundation
import SMPWire

extension SimulatedBoard {
    /// The motor must be within this fraction of a dot's rate when its strokes start (Docs/Protocol.md).
    static let rateTolerance = 0.02
    /// After a resume the motor is brought within this fraction of its drive before anything starts.
    static let resumeRateTolerance = 0.01
    /// The stopped motor creeps the cam to bottom dead centre in this long (s).
    static let camParkSeconds = 0.02
    /// The motor counts as stopped below this rate (Hz) before the cam is parked.
    static let stoppedRateHz = 0.5

    @inline(__always) var currentDotID: UInt32 {
        if case .dot(let run) = activity { return run.dot.id }
        return 0
    }

    @inline(__always) var activityDeadline: UInt64? {
        guard state == .running, resumeReadyAt == nil else { return nil }
        switch activity {
        case .idle: return nil
        case .moving(let run): return run.deadline
        case .dot(let run): return run.deadline
        case .probe(let run): return run.deadline
        }
    }

    @inline(__always) var queueStartDeadline: UInt64? {
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
    @inline(__always) func hopZ(toX x: Double, y: Double, clearance: Double) -> Double {
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
        noteMotionChange()
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
            if run.dipStartedAt == nil {
                run.dipStartedAt = now
                dipsStarted += 1
                if setup.faults.resetsAtDip.contains(dipsStarted) {
                    dipResetAt = now + FaultPlan.dipResetDelayMicros
                }
            }
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
    @inline(__always) func nextStrokeBottom() -> UInt64? {
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
}

extension SimulatedBoard {
    /// Strokes counted so far for the dot in progress (0 when none runs): for tests and progress displays.
    public var countedStrokesOfCurrentDot: Int {
        if case .dot(let run) = activity { return run.counted }
        return 0
    }

    /// Board time the host was last heard (a valid frame or a heartbeat), nil before any.
    public var lastHeardFromHost: UInt64? { session.lastHeardAt }

    /// The board side of the link (its counters, round-trip estimate and retransmission timeout): what its firmware
    /// could report, read-only.
    public var linkSession: WireSession { session }
}
