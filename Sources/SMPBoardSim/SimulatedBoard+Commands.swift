import Foundation
import SMPWire

/// A queued dot, in the units the physics uses.
struct QueuedDot: Sendable {
    var id: UInt32
    /// Schedule time (µs).
    var start: UInt64
    var x: Double
    var y: Double
    var hang: Double
    var strokes: Int
    var rate: Double
    var lift: Double
    /// The train asked for a stroke-detail report.
    var detail: Bool
    /// Where X/Y come from for this dot (the previous queued position), for the schedule-overlap rule.
    var originX: Double
    var originY: Double
}

/// A command waiting in the board's queue.
enum QueuedCommand: Sendable {
    case dot(QueuedDot)
    case move(start: UInt64, x: Double, y: Double)
    case strokeRate(start: UInt64, hertz: Double)
    case touchOff(QueuedProbe)
    /// Executed as soon as it reaches the head of the queue.
    case surfaceGrid(SurfaceGrid)

    var start: UInt64 {
        switch self {
        case .dot(let dot): dot.start
        case .move(let start, _, _): start
        case .strokeRate(let start, _): start
        case .touchOff(let probe): probe.start
        case .surfaceGrid: 0
        }
    }

    var slots: Int { 1 }
}

/// Why a command was refused: the fault to raise and, for a dot, which one.
struct Rejection: Error {
    var code: FaultCode
    var value: Int64
    var dotID: UInt32
}

extension SimulatedBoard {
    // MARK: Queued commands

    mutating func handleQueued(_ message: Message) {
        guard message.type.rawValue >= 0x10 && message.type.rawValue < 0x20 else { return }
        let firstDot: UInt32
        if case .dotTrain(let train) = message { firstDot = train.dots.first?.id ?? 0 } else { firstDot = 0 }
        guard state != .safe else {
            // Rejected; the board is already safe, so only the report.
            reportFault(.notArmed, value: 0, dotID: firstDot)
            return
        }
        let slots = message.queueSlots
        let free = setup.board.queueCapacity - occupiedSlots
        guard slots <= free else {
            raise(.queueOverflow, value: Int64(slots), dotID: firstDot)
            return
        }
        do {
            switch message {
            case .dotTrain(let train):
                let dots = try validate(train)
                for dot in dots { queue.append(.dot(dot)) }
                lastQueuedDot = dots.last
                if let last = dots.last { lastQueuedPosition = (last.x, last.y) }
            case .moveTo(let move):
                try checkLead(move.startTime, dotID: 0)
                let x = try coordinate(move.xMicrometres, travel: setup.board.axes.x.travelMM, dotID: 0)
                let y = try coordinate(move.yMicrometres, travel: setup.board.axes.y.travelMM, dotID: 0)
                queue.append(.move(start: move.startTime, x: x, y: y))
                lastQueuedPosition = (x, y)
            case .setStrokeRate(let change):
                try checkLead(change.startTime, dotID: 0)
                let hertz = Double(change.centihertz) / 100
                if change.centihertz != 0 && !motorRange.contains(hertz) {
                    throw Rejection(code: .strokeRateOutOfRange, value: Int64(change.centihertz), dotID: 0)
                }
                queue.append(.strokeRate(start: change.startTime, hertz: hertz))
            case .touchOff(let probe):
                try checkLead(probe.startTime, dotID: 0)
                let x = try coordinate(probe.xMicrometres, travel: setup.board.axes.x.travelMM, dotID: 0)
                let y = try coordinate(probe.yMicrometres, travel: setup.board.axes.y.travelMM, dotID: 0)
                let approach = Double(probe.approachMicrometres) / 1000
                guard setup.board.hangRangeMM.contains(approach) else {
                    throw Rejection(code: .positionOutOfTravel, value: Int64(probe.approachMicrometres), dotID: 0)
                }
                queue.append(
                    .touchOff(
                        QueuedProbe(
                            start: probe.startTime, x: x, y: y, xMicrometres: probe.xMicrometres,
                            yMicrometres: probe.yMicrometres, approachZ: approach,
                            node: probe.node == 0 ? nil : Int(probe.node - 1))))
                lastQueuedPosition = (x, y)
            case .surfaceGrid(let grid):
                try validate(grid)
                queue.append(.surfaceGrid(grid))
            default:
                return
            }
        } catch let rejection as Rejection {
            if rejection.dotID != 0 {
                queueCompletion(DotCompletion(dotID: rejection.dotID, outcome: .rejected, peakLoads: []))
                recordRejectedTruth(message: message, dotID: rejection.dotID)
            }
            raise(rejection.code, value: rejection.value, dotID: rejection.dotID)
            return
        } catch {
            return
        }
        occupiedSlots += slots
        if state == .ready { setState(.running) }
    }

    /// A grid's shape and place: nodes 2...32 per axis (or the flat declaration 0 x 0), at most the board's node
    /// count, spacing at least 1 mm, every node inside X/Y travel.
    func validate(_ grid: SurfaceGrid) throws(Rejection) {
        guard !grid.isFlat else { return }
        let shape = SurfaceGrid.nodesPerAxis
        guard shape.contains(grid.nx), shape.contains(grid.ny),
            Int(grid.nx) * Int(grid.ny) <= setup.board.surfaceMaxNodes,
            grid.spacingMicrometres >= SurfaceGrid.minimumSpacingMicrometres
        else {
            throw Rejection(code: .malformedCommand, value: Int64(MessageType.surfaceGrid.rawValue), dotID: 0)
        }
        let far = grid.position(ofNode: Int(grid.nx) * Int(grid.ny) - 1)
        for (value, travel) in [
            (Int64(grid.originXMicrometres), setup.board.axes.x.travelMM),
            (Int64(grid.originYMicrometres), setup.board.axes.y.travelMM), (far.x, setup.board.axes.x.travelMM),
            (far.y, setup.board.axes.y.travelMM),
        ] where value < 0 || Double(value) > travel * 1000 {
            throw Rejection(code: .positionOutOfTravel, value: value, dotID: 0)
        }
    }

    var motorRange: ClosedRange<Double> { setup.board.motor.minHz...setup.board.motor.maxHz }

    /// Checks a whole train before any of it is queued; the first problem rejects it.
    func validate(_ train: DotTrain) throws(Rejection) -> [QueuedDot] {
        let firstID = train.dots.first?.id ?? 0
        let strokes = Int(train.strokesPerDot)
        guard (1...maxStrokes).contains(strokes) else {
            throw Rejection(code: .strokesOutOfRange, value: Int64(strokes), dotID: firstID)
        }
        let rate = Double(train.strokeRateCentihertz) / 100
        guard motorRange.contains(rate) else {
            throw Rejection(code: .strokeRateOutOfRange, value: Int64(train.strokeRateCentihertz), dotID: firstID)
        }
        let lift = Double(train.liftMicrometres) / 1000
        guard train.liftMicrometres >= limits.minimumClearanceMicrometres, setup.board.hangRangeMM.contains(-lift)
        else {
            throw Rejection(code: .positionOutOfTravel, value: -Int64(train.liftMicrometres), dotID: firstID)
        }
        var dots: [QueuedDot] = []
        var previous = lastQueuedDot
        var origin = lastQueuedPosition
        for command in train.dots {
            try checkLead(command.startTime, dotID: command.id)
            let hang = Double(command.hangMicrometres) / 1000
            guard command.hangMicrometres <= Int32(limits.hangCeilingMicrometres) else {
                throw Rejection(code: .hangBeyondCeiling, value: Int64(command.hangMicrometres), dotID: command.id)
            }
            guard command.hangMicrometres >= 0 else {
                throw Rejection(code: .positionOutOfTravel, value: Int64(command.hangMicrometres), dotID: command.id)
            }
            let x = try coordinate(command.xMicrometres, travel: setup.board.axes.x.travelMM, dotID: command.id)
            let y = try coordinate(command.yMicrometres, travel: setup.board.axes.y.travelMM, dotID: command.id)
            let dot = QueuedDot(
                id: command.id, start: command.startTime, x: x, y: y, hang: hang, strokes: strokes, rate: rate,
                lift: lift, detail: train.strokeDetail, originX: origin.x, originY: origin.y)
            if let previous,
                dot.start < previous.start.addingReportingOverflow(minimumDuration(of: previous)).partialValue
                    || previous.start > dot.start
            {
                throw Rejection(code: .scheduleOverlap, value: Int64(dot.id), dotID: dot.id)
            }
            dots.append(dot)
            previous = dot
            origin = (x, y)
        }
        return dots
    }

    /// The least time a dot can take at the announced limits: its X/Y move from its origin, the dip down, its
    /// strokes, the lift back up. The phase lock to the cam can add up to one stroke period on top.
    func minimumDuration(of dot: QueuedDot) -> UInt64 {
        let axes = setup.board.axes
        let move = max(
            AxisTrajectory.restToRestDuration(
                distance: dot.x - dot.originX, speed: axes.x.maxSpeedMMPerS, accel: axes.x.maxAccelMMPerS2),
            AxisTrajectory.restToRestDuration(
                distance: dot.y - dot.originY, speed: axes.y.maxSpeedMMPerS, accel: axes.y.maxAccelMMPerS2))
        let dip = AxisTrajectory.restToRestDuration(
            distance: dot.hang + dot.lift, speed: axes.z.maxSpeedMMPerS, accel: axes.z.maxAccelMMPerS2)
        let strokes = Double(dot.strokes - 1) / dot.rate
        return Self.micros(move + 2 * dip + strokes)
    }

    /// The late rule: a queued command must arrive at least the minimum lead before its start.
    func checkLead(_ start: UInt64, dotID: UInt32) throws(Rejection) {
        let deadline = scheduleTime + setup.board.minLeadMicros
        if start < deadline {
            throw Rejection(code: .lateCommand, value: Int64(deadline - start), dotID: dotID)
        }
    }

    /// A coordinate in travel, rounded to the position resolution, in mm.
    func coordinate(_ micrometres: Int32, travel: Double, dotID: UInt32) throws(Rejection) -> Double {
        guard micrometres >= 0 && Double(micrometres) <= travel * 1000 else {
            throw Rejection(code: .positionOutOfTravel, value: Int64(micrometres), dotID: dotID)
        }
        let step = Double(max(1, limits.positionResolutionMicrometres))
        return (Double(micrometres) / step).rounded() * step / 1000
    }

    // MARK: Priority commands

    mutating func handlePriority(_ message: Message) {
        switch message {
        case .hold:
            hold()
        case .resume:
            resume()
        case .emergencyStop:
            raise(.emergencyStop, value: 0, dotID: currentDotID)
        case .statusQuery:
            // The records finished before the query go out ahead of its answer (Protocol.md, completions): a host
            // that asks after its last dot gets every record without waiting out the batching delay.
            flushCompletions()
            sendStatus()
        case .arm:
            guard state == .safe else { return }
            activeFault = nil
            armedAt = now
            frameErrorTimes.removeAll()
            setState(.ready)
        case .flushQueue:
            guard state == .held || state == .ready else { return }
            discardQueuedCommands()
            if state == .ready { sendStatus() }
        case .disarm:
            // The safe state on purpose, without a fault: what an operator step (a cartridge change) starts with.
            guard state == .held || state == .ready else { return }
            let doing = activityName
            discardQueuedCommands()
            enterSafeState(
                fault: .none, activity: doing, dotInProgress: currentDotID, hostLastHeard: session.lastHeardAt)
            activeFault = nil
            sendStatus()
        case .cartridgeFitted(let fitted):
            guard state == .safe else {
                raise(.notSafe, value: Int64(state.rawValue), dotID: currentDotID)
                return
            }
            fitCartridge(fitted.cartridge)
        default:
            return
        }
    }
}

extension SimulatedBoard {
    /// Drops the queued commands that have not started, reports their dots `discarded` and frees their slots. What
    /// is queued next is checked against what the board is doing now: the dot in progress and where the head will
    /// be, not the discarded commands.
    mutating func discardQueuedCommands() {
        let discarded = queue.count - queueHead
        for command in queue[queueHead...] {
            guard case .dot(let dot) = command else { continue }
            let run = DotRun(
                dot: dot, stage: .raise, startedAt: now, siteSurfaceMicrometres: 0, executedZ: .nan, liftZ: .nan)
            queueCompletion(DotCompletion(dotID: dot.id, outcome: .discarded, peakLoads: []))
            if dot.detail { send(.strokeDetail(StrokeDetail(dotID: dot.id, strokes: []))) }
            recordTruth(run, outcome: .discarded)
        }
        queue.removeAll()
        queueHead = 0
        switch activity {
        case .dot(let run):
            lastQueuedDot = run.dot
            lastQueuedPosition = (run.dot.x, run.dot.y)
        case .moving(let run):
            lastQueuedDot = nil
            lastQueuedPosition = (run.x, run.y)
        case .probe(let run):
            lastQueuedDot = nil
            lastQueuedPosition = (run.probe.x, run.probe.y)
        case .idle:
            lastQueuedDot = nil
            lastQueuedPosition = (physics.x.endPosition, physics.y.endPosition)
        }
        releaseSlots(discarded)
    }
}
