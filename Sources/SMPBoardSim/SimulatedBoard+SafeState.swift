import Foundation
import SMPHardware
import SMPWire

extension SimulatedBoard {
    // MARK: Faults and the safe state

    /// A fault: the dot in progress ends (`completed` if all its strokes were delivered, `interrupted` if its dip had
    /// started, else `discarded`), the queued dots are reported `discarded`, completions go out, the fault is
    /// reported, and the board enters the safe state.
    mutating func raise(_ code: FaultCode, value: Int64, dotID: UInt32) {
        let doing = activityName
        let dotInProgress = currentDotID
        if case .dot(let run) = activity {
            finish(run, outcome: run.remaining == 0 ? .completed : run.dipStarted ? .interrupted : .discarded)
            retractingDot = (dotTruths.count - 1, run)
        }
        activity = .idle
        discardQueuedCommands()
        reportFault(code, value: value, dotID: dotID)
        enterSafeState(
            fault: code, activity: doing, dotInProgress: dotInProgress, hostLastHeard: session.lastHeardAt)
    }

    /// Needle retracted to the clearance above the mapped skin (the highest of the stretch X/Y still travel while they
    /// stop; the top of travel where the map does not cover), motor stopped, X/Y decelerated, queue empty.
    /// `activity`, `dotInProgress` and `hostLastHeard` describe the board before the fault, for the truth.
    mutating func enterSafeState(
        fault: FaultCode, activity doing: String, dotInProgress: UInt32, hostLastHeard: UInt64?
    ) {
        noteMotionChange()
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
        recordClearance(cause: fault.name, activity: doing, dotID: dotInProgress, hostLastHeard: hostLastHeard)
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
        let doing = activityName
        let dotInProgress = currentDotID
        noteMotionChange()
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
        recordClearance(cause: "hold", activity: doing, dotID: dotInProgress, hostLastHeard: session.lastHeardAt)
        setState(.held)
    }

    /// Resume: the motor goes back to its drive before the hold, and the schedule clock stays frozen (nothing
    /// starts, nothing becomes late) until it is within 1 % of it; then the interrupted work starts again from its
    /// hop. Every hold, in a dot or between dots.
    mutating func resume() {
        guard state == .held, heldSince != nil else { return }
        noteMotionChange()
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
        return Self.micros(
            MotorLag.settlingTime(
                from: motor.rate(at: Self.seconds(now)), to: drive, within: Self.resumeRateTolerance * 0.5,
                timeConstant: motor.timeConstant))
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
        let doing = activityName
        let dotInProgress = currentDotID
        let heard = session.lastHeardAt
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
        enterSafeState(fault: .boardReset, activity: doing, dotInProgress: dotInProgress, hostLastHeard: heard)
        outbox.removeAll()
        reportFault(.boardReset, value: bootCount, dotID: 0)
        sendStatus()
    }
}
