import Foundation
import SMPHardware

/// The surface the board measured, as the host knows it (hang coordinates, mm: positive is skin higher, closer to
/// the needle). The board's own map and this one must agree; the hop height and the axis Z of every dot come from it.
public protocol SurfaceHeights: Sendable {
    func heightMM(x: Double, y: Double) -> Double
    /// True when the height is 0 everywhere (the flat test set-up): the hop then needs no sampling.
    var isFlat: Bool { get }
}

/// The flat test set-up declared explicitly: surface 0 everywhere.
public struct FlatSurface: SurfaceHeights {
    public init() {}
    public func heightMM(x: Double, y: Double) -> Double { 0 }
    public var isFlat: Bool { true }
}

/// A dot the schedule cannot contain, named by its plan id and the field.
public struct MotionError: Error, Equatable, CustomStringConvertible {
    public var dotID: Int
    public var field: String
    public var reason: String

    public var description: String { "dot \(dotID): \(field) \(reason)" }
}

/// Computes the exact per-dot actuation schedule the board will execute (Docs/Protocol.md §10, the order of a dot):
///
/// 1. the dot starts at the later of its start time and the end of the previous command;
/// 2. the hop: Z rises to the hop height first if that is higher than where the previous ascent left it (X/Y wait
///    for it), then X and Y move, each axis minimum-time under its own limits; the hop ends when both are there;
/// 3. the board checks the motor's rate, then phase-locks the dip: Z starts down so that it reaches the hang
///    ``MotionMachine/phaseLockMarginS`` before the first stroke bottom it can make;
/// 4. the strokes at the hang; ``MotionMachine/phaseLockMarginS`` after the last counted bottom Z starts up to the
///    dot's own lift.
///
/// Every firmware timer is rounded up to the microsecond as the board rounds it. The motor is modelled from its
/// nominal lag; rate changes are queued ahead of the dot that needs them so that the motor is within
/// ``MotionMachine/settledRateFraction`` of the new rate when the board checks it, as early as the dots before
/// allow (a change can run under earlier dots only while their strokes stay within that fraction of their own
/// rate), and a dot is held back only when nothing earlier can absorb the settling time.
public struct MotionScheduler<Surface: SurfaceHeights>: Sendable {
    public let machine: MotionMachine
    public let liftMM: Double
    public let surface: Surface
    /// How many dots back a rate change may be moved to overlap earlier dots.
    public var rateChangeLookBack = 16

    /// A scheduler; `liftMM` defaults to the least the board accepts, `machine.minClearanceMM`.
    public init(machine: MotionMachine, surface: Surface, liftMM: Double? = nil) {
        self.machine = machine
        self.surface = surface
        self.liftMM = liftMM ?? machine.minClearanceMM
    }

    // MARK: Wire values

    /// A dot in the units the board executes.
    struct Prepared {
        var id: Int
        var xMicrometres: Int32
        var yMicrometres: Int32
        var hangMicrometres: Int32
        var liftMicrometres: UInt32
        var strokes: Int
        var centihertz: UInt32
        var x: Double
        var y: Double
        var hang: Double
        var lift: Double
        var rate: Double
        var cartridge: String
    }

    func prepare(_ dot: MotionDot) throws(MotionError) -> Prepared {
        func fail(_ field: String, _ reason: String) -> MotionError {
            MotionError(dotID: dot.id, field: field, reason: reason)
        }
        guard dot.xMM.isFinite, dot.xMM >= 0, dot.xMM <= machine.travelXMM else {
            throw fail("x", "is \(dot.xMM) mm; expected 0...\(machine.travelXMM) mm (X travel)")
        }
        guard dot.yMM.isFinite, dot.yMM >= 0, dot.yMM <= machine.travelYMM else {
            throw fail("y", "is \(dot.yMM) mm; expected 0...\(machine.travelYMM) mm (Y travel)")
        }
        guard dot.localHangMM.isFinite, dot.localHangMM > 0, dot.localHangMM <= machine.hangCeilingMM else {
            throw fail(
                "local hang",
                "is \(dot.localHangMM) mm; expected above 0 and at most the ceiling \(machine.hangCeilingMM) mm")
        }
        guard (1...machine.maxStrokesPerDot).contains(dot.strokes) else {
            throw fail("strokes", "is \(dot.strokes); expected 1...\(machine.maxStrokesPerDot)")
        }
        guard dot.rateHz.isFinite, machine.motorRangeHz.contains(dot.rateHz) else {
            throw fail(
                "stroke rate",
                "is \(dot.rateHz) Hz; expected \(machine.motorRangeHz.lowerBound)...\(machine.motorRangeHz.upperBound) Hz"
            )
        }
        guard liftMM.isFinite, liftMM >= machine.minClearanceMM, -liftMM >= machine.zRangeMM.lowerBound else {
            throw fail("lift", "is \(liftMM) mm; expected at least the board's clearance \(machine.minClearanceMM) mm")
        }
        let xMicrometres = Int32((dot.xMM * 1000).rounded())
        let yMicrometres = Int32((dot.yMM * 1000).rounded())
        let hangMicrometres = Int32((dot.localHangMM * 1000).rounded())
        let liftMicrometres = UInt32((liftMM * 1000).rounded())
        let centihertz = UInt32((dot.rateHz * 100).rounded())
        let step = (machine.positionResolutionMM * 1000).rounded()
        return Prepared(
            id: dot.id, xMicrometres: xMicrometres, yMicrometres: yMicrometres, hangMicrometres: hangMicrometres,
            liftMicrometres: liftMicrometres, strokes: dot.strokes, centihertz: centihertz,
            x: (Double(xMicrometres) / step).rounded() * step / 1000,
            y: (Double(yMicrometres) / step).rounded() * step / 1000, hang: Double(hangMicrometres) / 1000,
            lift: Double(liftMicrometres) / 1000, rate: Double(centihertz) / 100, cartridge: dot.cartridge)
    }

    // MARK: The head between commands

    /// The machine when the board is free for the next command.
    struct Head {
        /// When the previous command ended (µs).
        var time: UInt64
        var x: Double
        var y: Double
        var z: Double
        var motor: MotorLag
        var driveCentihertz: UInt32
        /// The previous dot's start and the least duration the board's overlap rule gives it.
        var previousStart: UInt64?
        var previousMinimumDuration: UInt64 = 0
    }

    static func micros(_ seconds: Double) -> UInt64 {
        seconds <= 0 ? 0 : UInt64((seconds * 1_000_000).rounded(.up))
    }

    static func seconds(_ micros: UInt64) -> Double { Double(micros) / 1_000_000 }

    /// Axis Z (mm) for a local height above (negative) or into (positive) the surface at a place, computed as the
    /// board does: in µm, the surface height rounded to 1 µm, the result rounded to the Z resolution, never above
    /// the top of travel.
    func axisZ(local: Double, surfaceHeight: Double) -> Double {
        if surfaceHeight == 0 { return local }
        let step = max(1, (machine.zResolutionMM * 1000).rounded())
        let micrometres = (local * 1000).rounded() - (surfaceHeight * 1000).rounded()
        return max(machine.zRangeMM.lowerBound, (micrometres / step).rounded() * step / 1000)
    }

    /// The highest surface on the straight hop from (x0, y0) to (x1, y1), sampled at both ends and every 0.5 mm.
    func highestSurface(fromX x0: Double, y y0: Double, toX x1: Double, y y1: Double) -> Double {
        if surface.isFlat { return 0 }
        let dx = x1 - x0
        let dy = y1 - y0
        let length = (dx * dx + dy * dy).squareRoot()
        var highest = max(surface.heightMM(x: x0, y: y0), surface.heightMM(x: x1, y: y1))
        var along = 0.5
        while along < length {
            let f = along / length
            highest = max(highest, surface.heightMM(x: x0 + f * dx, y: y0 + f * dy))
            along += 0.5
        }
        return highest
    }

    /// The least duration of a dot by the board's overlap rule (its X and Y moves from the previous site each at its
    /// own limits, the dip of hang + lift down and up, the strokes after the first at its rate), rounded up to the
    /// µs: the next dot may not start earlier after this one's start.
    func minimumDuration(_ dot: Prepared, fromX x: Double, y: Double) -> UInt64 {
        let hop = max(
            RestToRestMove.plannedDuration(distance: dot.x - x, limits: machine.x),
            RestToRestMove.plannedDuration(distance: dot.y - y, limits: machine.y))
        let dip = RestToRestMove.plannedDuration(distance: dot.hang + dot.lift, limits: machine.z)
        return Self.micros(hop + 2 * dip + Double(dot.strokes - 1) / dot.rate)
    }

    /// Executes one dot as the board would from `head`, starting no earlier than `earliest`. Nil when the motor will
    /// never reach a stroke bottom (stopped).
    func execute(_ dot: Prepared, from head: Head, earliest: UInt64) -> (dot: ScheduledDot, head: Head)? {
        var requested = earliest
        if let previous = head.previousStart {
            requested = max(requested, previous + head.previousMinimumDuration)
        }
        let start = max(requested, head.time)
        let time = Self.seconds(start)
        let siteSurface = surface.isFlat ? 0 : surface.heightMM(x: dot.x, y: dot.y)
        let hopSurface = highestSurface(fromX: head.x, y: head.y, toX: dot.x, y: dot.y)
        let hopZ = axisZ(local: -dot.lift, surfaceHeight: hopSurface)
        let hangZ = axisZ(local: dot.hang, surfaceHeight: siteSurface)
        let liftZ = axisZ(local: -dot.lift, surfaceHeight: siteSurface)
        // The hop, as the board executes it; `travelZ` is where Z is when X/Y arrive.
        var travelZ = hopZ
        var xyStart = time
        var zArrival = time
        let xyArrival: Double
        switch machine.hopExecution {
        case .independentAxes:
            if hopZ != head.z {
                zArrival = time + RestToRestMove.executedDuration(distance: hopZ - head.z, limits: machine.z)
            }
            xyArrival = max(
                time + RestToRestMove.executedDuration(distance: dot.x - head.x, limits: machine.x),
                time + RestToRestMove.executedDuration(distance: dot.y - head.y, limits: machine.y))
        case .straightLineAfterRaise:
            let hop = min(hopZ, liftZ)
            if hop < head.z - 1e-9 {
                xyStart = Self.seconds(
                    Self.micros(time + RestToRestMove.executedDuration(distance: head.z - hop, limits: machine.z)))
                travelZ = hop
            } else {
                travelZ = head.z
            }
            let dx = dot.x - head.x
            let dy = dot.y - head.y
            let length = (dx * dx + dy * dy).squareRoot()
            xyArrival =
                length > 0
                ? xyStart + RestToRestMove.executedDuration(distance: length, limits: machine.straightLine) : xyStart
        }
        let hopEnd = Self.micros(max(xyArrival, zArrival))
        // The phase-locked dip, as the firmware plans it.
        let earliestDip = Self.seconds(hopEnd)
        let margin = machine.phaseLockMarginS
        let down = RestToRestMove.plannedDuration(distance: hangZ - travelZ, limits: machine.z)
        let motor = head.motor
        let reach = earliestDip + down + margin
        var index = (motor.phase(at: reach) - 0.5).rounded(.up)
        guard var firstBottom = motor.time(ofPhase: index + 0.5, notBefore: earliestDip) else { return nil }
        if firstBottom < earliestDip + down + margin {
            index += 1
            guard let next = motor.time(ofPhase: index + 0.5, notBefore: earliestDip) else { return nil }
            firstBottom = next
        }
        var lastBottom = firstBottom
        if dot.strokes > 1 {
            guard let last = motor.time(ofPhase: index + Double(dot.strokes - 1) + 0.5, notBefore: firstBottom)
            else { return nil }
            lastBottom = last
        }
        let descentStart = Self.micros(firstBottom - margin - down)
        let atHang = Self.micros(
            Self.seconds(descentStart) + RestToRestMove.executedDuration(distance: hangZ - travelZ, limits: machine.z))
        // The board acts on a stroke bottom at its microsecond, once the physics has passed it.
        var lastCounted = Self.micros(lastBottom)
        while Self.seconds(lastCounted) < lastBottom { lastCounted += 1 }
        lastCounted = max(lastCounted, atHang)
        let ascentStart = lastCounted + Self.micros(margin)
        let end = Self.micros(
            Self.seconds(ascentStart) + RestToRestMove.executedDuration(distance: hangZ - liftZ, limits: machine.z))
        let scheduled = ScheduledDot(
            id: dot.id, start: start, xMicrometres: dot.xMicrometres, yMicrometres: dot.yMicrometres,
            localHangMicrometres: dot.hangMicrometres, liftMicrometres: dot.liftMicrometres, strokes: dot.strokes,
            rateCentihertz: dot.centihertz, hopEnd: hopEnd, descentStart: descentStart, firstStrokeBottomS: firstBottom,
            lastStrokeBottomS: lastBottom, ascentStart: ascentStart, end: end, xMM: dot.x, yMM: dot.y,
            hopZMM: travelZ, hangZMM: hangZ, liftZMM: liftZ)
        var next = head
        next.time = end
        next.x = dot.x
        next.y = dot.y
        next.z = liftZ
        next.previousStart = start
        next.previousMinimumDuration = minimumDuration(dot, fromX: head.x, y: head.y)
        return (scheduled, next)
    }

    /// How far (fraction of `rate`) the motor is from `rate` at `time`.
    static func rateError(_ motor: MotorLag, at time: Double, rate: Double) -> Double {
        abs(motor.rate(at: time) - rate) / rate
    }

    // MARK: The schedule

    /// The schedule of `dots` in this order from `start`.
    public func schedule(_ dots: [MotionDot], from start: MotionStart) throws(MotionError) -> MotionSchedule {
        let prepared = try dots.map { (dot) throws(MotionError) in try prepare(dot) }
        var head = Head(
            time: start.time, x: start.xMM, y: start.yMM, z: start.zMM,
            motor: MotorLag(
                timeConstant: machine.motorTimeConstantS, time: Self.seconds(start.time), phase: start.camPhase,
                rate: start.motorRateHz, drive: start.motorDriveHz),
            driveCentihertz: UInt32((start.motorDriveHz * 100).rounded()))
        var scheduled: [ScheduledDot] = []
        scheduled.reserveCapacity(prepared.count)
        // heads[i]: the head before dot i, for moving a rate change back under earlier dots.
        var heads: [Head] = []
        heads.reserveCapacity(prepared.count)
        var rateChanges: [RateChange] = []
        var cartridgeChanges: [CartridgeChange] = []
        /// Dots before this index cannot take a rate change (one is already queued there, or a cartridge change).
        var barrier = 0
        var cartridge = prepared.first?.cartridge
        for (k, dot) in prepared.enumerated() {
            if let current = cartridge, current != dot.cartridge {
                // Motor off, the operator changes the cartridge, the board touches off again: Z at the retract
                // height, the cam parked at bottom dead centre, the motor at rest.
                let stopAt = head.time
                head.motor.drive(0, at: Self.seconds(stopAt))
                rateChanges.append(RateChange(time: stopAt, centihertz: 0, beforeDot: k))
                let resume = stopAt + Self.micros(machine.cartridgeChangeS)
                let phase = head.motor.phase(at: Self.seconds(resume))
                head.motor = MotorLag(
                    timeConstant: machine.motorTimeConstantS, time: Self.seconds(resume),
                    phase: phase.rounded(.down) + 0.5)
                head.driveCentihertz = 0
                head.time = resume
                head.z = machine.restingZMM
                head.previousStart = nil
                cartridgeChanges.append(
                    CartridgeChange(start: stopAt, end: resume, beforeDot: k, cartridge: dot.cartridge))
                barrier = k
            }
            cartridge = dot.cartridge
            if dot.centihertz != head.driveCentihertz {
                let placed = try placeRateChange(
                    for: k, dots: prepared, scheduled: &scheduled, heads: &heads, head: head, barrier: barrier)
                rateChanges.append(RateChange(time: placed.time, centihertz: dot.centihertz, beforeDot: placed.index))
                head = placed.head
                barrier = k
                heads.append(placed.headBefore)
                scheduled.append(placed.dot)
                continue
            }
            guard let (done, next) = execute(dot, from: head, earliest: head.time) else {
                throw MotionError(dotID: dot.id, field: "stroke rate", reason: "is never reached: the motor is stopped")
            }
            heads.append(head)
            scheduled.append(done)
            head = next
        }
        return MotionSchedule(
            machine: machine, start: start, liftMM: Double((liftMM * 1000).rounded()) / 1000, dots: scheduled,
            rateChanges: rateChanges, cartridgeChanges: cartridgeChanges,
            breakdown: breakdown(scheduled, start: start, changes: cartridgeChanges))
    }

    struct Placement {
        var index: Int
        var time: UInt64
        var wait: UInt64
        var headBefore: Head
        var dot: ScheduledDot
        var head: Head
    }

    /// Queues the rate change dot `k` needs as early as the dots since `barrier` allow and schedules dot `k`;
    /// rewrites the dots the change runs under.
    func placeRateChange(
        for k: Int, dots: [Prepared], scheduled: inout [ScheduledDot], heads: inout [Head], head: Head, barrier: Int
    ) throws(MotionError) -> Placement {
        let dot = dots[k]
        var best: (placement: Placement, rewritten: [ScheduledDot], rewrittenHeads: [Head])?
        var j = k
        while j >= max(barrier, k - rateChangeLookBack) {
            // The change goes into the queue just before dot j: it runs when dot j - 1 ends.
            var trial = j == k ? head : heads[j]
            let changeAt = trial.time
            trial.motor.drive(dot.rate, at: Self.seconds(changeAt))
            trial.driveCentihertz = dot.centihertz
            var rewritten: [ScheduledDot] = []
            var rewrittenHeads: [Head] = []
            var fits = true
            for i in j..<k {
                guard let (done, next) = execute(dots[i], from: trial, earliest: trial.time) else {
                    fits = false
                    break
                }
                // Under the change, a dot's counted strokes must still be at its own rate.
                let rate = dots[i].rate
                let worst = max(
                    Self.rateError(next.motor, at: Self.seconds(done.hopEnd), rate: rate),
                    Self.rateError(next.motor, at: done.lastStrokeBottomS, rate: rate))
                guard worst <= machine.settledRateFraction else {
                    fits = false
                    break
                }
                rewrittenHeads.append(trial)
                rewritten.append(done)
                trial = next
                trial.driveCentihertz = dot.centihertz
            }
            if !fits { break }
            // Dot k waits, if it must, until the motor is within the settled fraction when its hop ends.
            var baseStart: UInt64?
            var result: (dot: ScheduledDot, head: Head)?
            var earliest = trial.time
            for _ in 0..<8 {
                guard let attempt = execute(dot, from: trial, earliest: earliest) else {
                    throw MotionError(
                        dotID: dot.id, field: "stroke rate", reason: "is never reached: the motor is stopped")
                }
                result = attempt
                if baseStart == nil { baseStart = attempt.dot.start }
                let check = Self.seconds(attempt.dot.hopEnd)
                if Self.rateError(trial.motor, at: check, rate: dot.rate) <= machine.settledRateFraction { break }
                let settled = Self.micros(
                    Self.seconds(changeAt)
                        + MotorLag.settlingTime(
                            from: trial.motor.rate(at: Self.seconds(changeAt)), to: dot.rate,
                            within: machine.settledRateFraction, timeConstant: machine.motorTimeConstantS))
                earliest = attempt.dot.start + (settled > attempt.dot.hopEnd ? settled - attempt.dot.hopEnd : 1)
            }
            guard let (done, next) = result, let baseStart else { break }
            let wait = done.start - baseStart
            let placement = Placement(
                index: j, time: changeAt, wait: wait, headBefore: trial, dot: done, head: next)
            if best == nil || done.end < best!.placement.dot.end {
                best = (placement, rewritten, rewrittenHeads)
            }
            if wait == 0 { break }
            j -= 1
        }
        guard let best else {
            throw MotionError(dotID: dot.id, field: "stroke rate", reason: "cannot be reached")
        }
        let from = best.placement.index
        if from < k {
            scheduled.replaceSubrange(from..<k, with: best.rewritten)
            heads.replaceSubrange(from..<k, with: best.rewrittenHeads)
        }
        return best.placement
    }

    func breakdown(_ dots: [ScheduledDot], start: MotionStart, changes: [CartridgeChange])
        -> MotionSchedule.Breakdown
    {
        var result = MotionSchedule.Breakdown()
        var hop: UInt64 = 0
        var lock: UInt64 = 0
        var dip: UInt64 = 0
        var strokes: UInt64 = 0
        var idle: UInt64 = 0
        var previousEnd = start.time
        var changeIndex = 0
        for (i, dot) in dots.enumerated() {
            var freeAt = previousEnd
            while changeIndex < changes.count && changes[changeIndex].beforeDot == i {
                freeAt = changes[changeIndex].end
                changeIndex += 1
            }
            idle += dot.start - freeAt
            hop += dot.hopEnd - dot.start
            lock += dot.descentStart - dot.hopEnd
            let atHang = Self.micros(dot.firstStrokeBottomS - machine.phaseLockMarginS)
            let down = min(max(atHang, dot.descentStart), dot.ascentStart) - dot.descentStart
            dip += down + (dot.end - dot.ascentStart)
            strokes += dot.ascentStart - dot.descentStart - down
            previousEnd = dot.end
        }
        result.hopSeconds = Self.seconds(hop)
        result.phaseLockSeconds = Self.seconds(lock)
        result.dipSeconds = Self.seconds(dip)
        result.strokeSeconds = Self.seconds(strokes)
        result.motorWaitSeconds = Self.seconds(idle)
        result.cartridgeChangeSeconds = Self.seconds(changes.reduce(0) { $0 + ($1.end - $1.start) })
        return result
    }
}
