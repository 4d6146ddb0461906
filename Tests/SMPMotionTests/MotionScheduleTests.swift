import Foundation
import SMPHardware
import SMPMotion
import SMPPlanning
import Testing

@Suite struct KinematicsClosedFormTests {
    let xy = MotionMachine.r1.x
    let z = MotionMachine.r1.z

    @Test func trapezoidAndTriangle() {
        // 100 mm at 100 mm/s, 3000 mm/s²: 1/30 s ramps of 1.667 mm each end: 1 s + 1/30 s.
        #expect(abs(RestToRestMove.plannedDuration(distance: 100, limits: xy) - (1 + 1.0 / 30)) < 1e-12)
        // 1 mm never reaches 100 mm/s: a triangle, 2·√(1/3000).
        #expect(abs(RestToRestMove.plannedDuration(distance: 1, limits: xy) - 2 * (1.0 / 3000).squareRoot()) < 1e-12)
        #expect(RestToRestMove.plannedDuration(distance: 0, limits: xy) == 0)
        #expect(RestToRestMove.executedDuration(distance: 0, limits: xy) == 0)
        // Z: 1.35 mm (hang 1.2 + lift 0.15) reaches 50 mm/s after 0.25 mm: 1.35/50 + 50/5000 = 37 ms.
        #expect(abs(RestToRestMove.plannedDuration(distance: 1.35, limits: z) - 0.037) < 1e-12)
        for distance in [0.01, 0.5, 1.35, 7, 150] {
            let planned = RestToRestMove.plannedDuration(distance: distance, limits: xy)
            #expect(abs(RestToRestMove.executedDuration(distance: -distance, limits: xy) - planned) < 1e-12)
            let end = RestToRestMove.state(at: planned, distance: distance, limits: xy)
            #expect(abs(end.position - distance) < 1e-9)
            #expect(abs(end.speed) < 1e-6)
        }
    }

    @Test func timeAboveTheSurface() {
        // The first 0.15 mm of a 1.35 mm Z move are inside its 0.25 mm acceleration ramp: √(2·0.15/5000).
        let window = RestToRestMove.timeToCover(0.15, distance: 1.35, limits: z)
        #expect(abs(window - (2 * 0.15 / 5000).squareRoot()) < 1e-12)
        // Covering the whole move takes the whole move.
        #expect(abs(RestToRestMove.timeToCover(1.35, distance: 1.35, limits: z) - 0.037) < 1e-9)
        #expect(abs(RestToRestMove.timeToCover(0.3, distance: 0.4, limits: z) - (0.037 - 0.037) - 0) >= 0)
    }

    /// Speed and acceleration stay within the limits along any move, and the move ends where it should.
    @Test(arguments: [1, 2, 3] as [UInt64]) func movesRespectLimits(seed: UInt64) {
        var random = SplitMix(seed: seed)
        for _ in 0..<200 {
            let distance = random.uniform(0, 1) < 0.5 ? random.uniform(0, 2) : random.uniform(0, 200)
            let duration = RestToRestMove.plannedDuration(distance: distance, limits: xy)
            var previous = RestToRestMove.state(at: 0, distance: distance, limits: xy)
            let steps = 400
            for step in 1...steps {
                let t = duration * Double(step) / Double(steps)
                let now = RestToRestMove.state(at: t, distance: distance, limits: xy)
                #expect(now.speed <= xy.maxSpeed * (1 + 1e-12))
                #expect(now.position >= previous.position - 1e-12)
                let dt = duration / Double(steps)
                #expect(abs(now.speed - previous.speed) <= xy.maxAcceleration * dt * (1 + 1e-9) + 1e-9)
                previous = now
            }
            #expect(abs(previous.position - distance) < 1e-9)
        }
    }

    @Test func motorLagClosedForm() throws {
        var motor = MotorLag(timeConstant: 0.045)
        motor.drive(120, at: 0)
        // From rest: ω(τ) = 120·(1 − 1/e), φ(τ) = 120·τ − 120·τ·(1 − 1/e) = 120·τ/e.
        #expect(abs(motor.rate(at: 0.045) - 120 * (1 - exp(-1))) < 1e-9)
        #expect(abs(motor.phase(at: 0.045) - 120 * 0.045 * exp(-1)) < 1e-9)
        let when = try #require(motor.time(ofPhase: 20.5, notBefore: 0))
        #expect(abs(motor.phase(at: when) - 20.5) < 1e-9)
        // Within 1 % of 120 Hz from rest after τ·ln(100).
        let settle = MotorLag.settlingTime(from: 0, to: 120, within: 0.01, timeConstant: 0.045)
        #expect(abs(settle - 0.045 * log(100)) < 1e-12)
        #expect(abs(abs(motor.rate(at: settle) - 120) / 120 - 0.01) < 1e-9)
        #expect(MotorLag.settlingTime(from: 119.5, to: 120, within: 0.01, timeConstant: 0.045) == 0)
        // A stopped motor never reaches a phase beyond its coast.
        motor.drive(0, at: 1)
        #expect(motor.time(ofPhase: motor.phase(at: 1) + 120 * 0.045 + 1, notBefore: 1) == nil)
    }
}

@Suite struct MotionScheduleTests {
    let machine = MotionMachine.r1

    /// A motor long at `rate` with a stroke bottom at time 0 (phase ½ at t = 0).
    func steadyStart(rate: Double, x: Double = 100, y: Double = 100) -> MotionStart {
        MotionStart(time: 0, xMM: x, yMM: y, zMM: -0.15, camPhase: 0.5, motorRateHz: rate, motorDriveHz: rate)
    }

    func dot(_ id: Int, x: Double, y: Double, hang: Double = 1.2, strokes: Int = 4, rate: Double = 120) -> MotionDot {
        MotionDot(id: id, xMM: x, yMM: y, localHangMM: hang, strokes: strokes, rateHz: rate, cartridge: "3RL")
    }

    /// One dot against the closed form: hop, then the first stroke bottom of the 120 Hz grid that Z can reach, the
    /// strokes, the ascent.
    @Test func oneDotMatchesTheClosedForm() throws {
        let schedule = try MotionScheduler(machine: machine, surface: FlatSurface()).schedule(
            [dot(1, x: 101, y: 100)], from: steadyStart(rate: 120))
        let scheduled = try #require(schedule.dots.first)
        #expect(schedule.rateChanges.isEmpty)
        let hop = 2 * (1.0 / 3000).squareRoot()
        let dip = 1.35 / 50 + 50.0 / 5000
        let margin = 50e-6
        let period = 1.0 / 120
        // Bottoms at n/120 (phase ½ at 0); the first at or after hop + dip + margin.
        let first = ((hop + dip + margin) / period).rounded(.up) * period
        #expect(abs(scheduled.firstStrokeBottomS - first) < 1e-9)
        #expect(abs(scheduled.lastStrokeBottomS - (first + 3 * period)) < 1e-9)
        let end = first + 3 * period + margin + dip
        // Each firmware timer rounds up to the microsecond: at most a few µs late.
        #expect(Double(scheduled.end) >= end * 1e6 - 1e-6)
        #expect(Double(scheduled.end) <= end * 1e6 + 3)
        #expect(abs(Double(scheduled.hopEnd) - hop * 1e6) <= 1)
        #expect(scheduled.xMicrometres == 101_000 && scheduled.liftMicrometres == 150)
        #expect(abs(schedule.durationSeconds - Double(scheduled.end) / 1e6) < 1e-12)
        // The parts of the breakdown add up to the duration.
        #expect(abs(schedule.breakdown.totalSeconds - schedule.durationSeconds) < 1e-9)
    }

    /// r1 at 1 mm pitch, 4 strokes at 120 Hz, hang 1.2 mm, lift 0.15 mm: the arithmetic of Docs/Performance.md.
    @Test func oneMillimetrePitchOnR1() throws {
        // Rows of 100 walked in alternating directions: every hop is 1 mm.
        let dots = (0..<400).map { index in
            let row = index / 100
            let column = row % 2 == 0 ? index % 100 : 99 - index % 100
            return dot(index, x: 50 + Double(column), y: 50 + Double(row))
        }
        let schedule = try MotionScheduler(machine: machine, surface: FlatSurface()).schedule(
            dots, from: steadyStart(rate: 120, x: 50, y: 50))
        let bound = KinematicBound(schedule)
        let hop = 2 * (1.0 / 3000).squareRoot()  // 36.5 ms
        let dip = 2 * 0.037  // 74 ms
        let strokes = 3.0 / 120  // 25 ms
        let sequential = hop + dip + strokes  // 135.5 ms: 7.38 dots/s
        let hidden = 2 * (2 * 0.15 / 5000).squareRoot()  // 15.5 ms
        let perDotBound = bound.sequentialSeconds / Double(dots.count)
        #expect(abs(perDotBound - sequential) < 2e-4)
        #expect(abs(bound.overlappedSeconds / Double(dots.count) - (sequential - hidden)) < 2e-4)
        // The schedule adds the phase lock (half a period on average) and the margins: within 5 % of the bound.
        let ratio = schedule.durationSeconds / bound.sequentialSeconds
        #expect(ratio > 1 && ratio < 1.05, "\(ratio)")
        #expect(schedule.dotsPerSecond > 7.0 && schedule.dotsPerSecond < 7.4, "\(schedule.dotsPerSecond)")
    }

    /// Every limit and every rule of the board's execution holds for every dot of random sessions.
    @Test(arguments: [11, 12, 13, 14] as [UInt64]) func scheduleRespectsEveryLimit(seed: UInt64) throws {
        var random = SplitMix(seed: seed)
        let rates = [100.0, 110, 120, 121, 135, 150]
        var dots: [MotionDot] = []
        var x = 100.0
        var y = 100.0
        var rate = 120.0
        var cartridge = "1RL"
        for id in 0..<300 {
            if random.uniform(0, 1) < 0.05 { rate = rates[Int(random.next() % UInt64(rates.count))] }
            if random.uniform(0, 1) < 0.01 { cartridge = cartridge == "1RL" ? "3RL" : "1RL" }
            let far = random.uniform(0, 1) < 0.05
            x = min(200, max(0, x + (far ? random.uniform(-60, 60) : random.uniform(-1.5, 1.5))))
            y = min(200, max(0, y + (far ? random.uniform(-60, 60) : random.uniform(-1.5, 1.5))))
            dots.append(
                MotionDot(
                    id: id, xMM: x, yMM: y, localHangMM: random.uniform(0.2, 2.0),
                    strokes: 1 + Int(random.next() % 12), rateHz: rate, cartridge: cartridge))
        }
        let start = MotionStart.powerUp(machine: machine, homeXMM: 0, homeYMM: 0)
        let schedule = try MotionScheduler(machine: machine, surface: FlatSurface()).schedule(dots, from: start)
        try #require(schedule.dots.count == dots.count)
        try #require(!schedule.rateChanges.isEmpty)
        // Replay the motor from the commands to check the rates independently of the scheduler's bookkeeping.
        var motor = MotorLag(timeConstant: machine.motorTimeConstantS)
        var changes = schedule.rateChanges[...]
        var cartridgeChanges = schedule.cartridgeChanges[...]
        var previousEnd = start.time
        var previous: (x: Double, y: Double, z: Double) = (start.xMM, start.yMM, start.zMM)
        var previousStart: UInt64?
        var previousMinimum: UInt64 = 0
        for (index, scheduled) in schedule.dots.enumerated() {
            while let change = changes.first, change.beforeDot == index, change.centihertz == 0 {
                motor.drive(0, at: Double(change.time) / 1e6)
                changes = changes.dropFirst()
            }
            while let change = cartridgeChanges.first, change.beforeDot == index {
                let resume = Double(change.end) / 1e6
                motor = MotorLag(
                    timeConstant: machine.motorTimeConstantS, time: resume,
                    phase: motor.phase(at: resume).rounded(.down) + 0.5)
                previous.z = machine.restingZMM
                previousStart = nil
                #expect(scheduled.start >= change.end)
                previousEnd = change.end
                cartridgeChanges = cartridgeChanges.dropFirst()
            }
            while let change = changes.first, change.beforeDot == index {
                #expect(change.time >= previousEnd)
                motor.drive(Double(change.centihertz) / 100, at: Double(change.time) / 1e6)
                changes = changes.dropFirst()
            }
            let dot = dots[index]
            let rate = Double(scheduled.rateCentihertz) / 100
            #expect(scheduled.rateCentihertz == UInt32((dot.rateHz * 100).rounded()))
            #expect(machine.motorRangeHz.contains(rate))
            #expect(scheduled.liftMicrometres >= 150)
            #expect(scheduled.localHangMicrometres <= 2000 && scheduled.localHangMicrometres > 0)
            // Sequence: start after the previous end and after the board's overlap rule; then each stage in order.
            #expect(scheduled.start >= previousEnd)
            if let previousStart { #expect(scheduled.start >= previousStart + previousMinimum) }
            #expect(scheduled.hopEnd >= scheduled.start)
            #expect(scheduled.descentStart >= scheduled.hopEnd)
            #expect(scheduled.ascentStart > scheduled.descentStart)
            #expect(scheduled.end > scheduled.ascentStart)
            // No stage shorter than the limits allow.
            let hop = max(
                RestToRestMove.plannedDuration(distance: scheduled.xMM - previous.x, limits: machine.x),
                RestToRestMove.plannedDuration(distance: scheduled.yMM - previous.y, limits: machine.y))
            #expect(Double(scheduled.hopEnd - scheduled.start) / 1e6 >= hop - 1e-9)
            let down = RestToRestMove.plannedDuration(distance: scheduled.hangZMM - scheduled.hopZMM, limits: machine.z)
            let margin = machine.phaseLockMarginS
            // The descent starts on the microsecond after its planned instant: Z is at the hang by the margin less 1 µs.
            #expect(scheduled.firstStrokeBottomS - margin - Double(scheduled.descentStart) / 1e6 >= down - 2e-6)
            #expect(Double(scheduled.ascentStart) / 1e6 >= scheduled.lastStrokeBottomS + margin - 1e-9)
            let up = RestToRestMove.plannedDuration(distance: scheduled.hangZMM - scheduled.liftZMM, limits: machine.z)
            #expect(Double(scheduled.end - scheduled.ascentStart) / 1e6 >= up - 1e-9)
            // The strokes: bottoms where the replayed motor has them, the motor within 1 % of the dot's rate from
            // the board's check at the end of the hop to the last counted bottom.
            #expect(
                abs(
                    motor.phase(at: scheduled.firstStrokeBottomS) - 0.5
                        - (motor.phase(at: scheduled.firstStrokeBottomS) - 0.5).rounded()) < 1e-6)
            let strokesPhase =
                motor.phase(at: scheduled.lastStrokeBottomS) - motor.phase(at: scheduled.firstStrokeBottomS)
            #expect(abs(strokesPhase - Double(scheduled.strokes - 1)) < 1e-6)
            for time in [Double(scheduled.hopEnd) / 1e6, scheduled.firstStrokeBottomS, scheduled.lastStrokeBottomS] {
                #expect(abs(motor.rate(at: time) - rate) <= 0.01 * rate * (1 + 1e-9), "dot \(index) at \(time)")
            }
            // The board's overlap rule: X and Y each at its limits, a dip of hang + lift down and up, the strokes.
            let ruleHop = max(
                RestToRestMove.plannedDuration(distance: scheduled.xMM - previous.x, limits: machine.x),
                RestToRestMove.plannedDuration(distance: scheduled.yMM - previous.y, limits: machine.y))
            let ruleDip = RestToRestMove.plannedDuration(
                distance: Double(scheduled.localHangMicrometres + Int32(scheduled.liftMicrometres)) / 1000,
                limits: machine.z)
            previousMinimum = UInt64(
                ((ruleHop + 2 * ruleDip + Double(scheduled.strokes - 1) / rate) * 1e6).rounded(.up))
            previousStart = scheduled.start
            previousEnd = scheduled.end
            previous = (scheduled.xMM, scheduled.yMM, scheduled.liftZMM)
        }
        #expect(abs(schedule.breakdown.totalSeconds - schedule.durationSeconds) < 1e-6)
        let bound = KinematicBound(schedule)
        #expect(bound.sequentialSeconds <= schedule.durationSeconds)
        #expect(bound.overlappedSeconds <= bound.sequentialSeconds)
        #expect(abs(bound.cartridgeChangeSeconds - Double(schedule.cartridgeChanges.count) * 60) < 1e-3)
    }

    /// A rate change the dots before can run under goes into the queue before them, and nobody waits; with no
    /// look-back the same change holds the dot back.
    @Test func rateChangeRunsUnderEarlierDotsWhenTheyTolerateIt() throws {
        var slow = machine
        slow.motorTimeConstantS = 0.2
        let dots = (0..<10).map { dot($0, x: 100 + Double($0), y: 100, rate: $0 < 6 ? 120 : 121.8) }
        let start = MotionStart(
            time: 0, xMM: 99, yMM: 100, zMM: -0.15, camPhase: 0.5, motorRateHz: 120, motorDriveHz: 120)
        let early = try MotionScheduler(machine: slow, surface: FlatSurface()).schedule(dots, from: start)
        var noLookBack = MotionScheduler(machine: slow, surface: FlatSurface())
        noLookBack.rateChangeLookBack = 0
        let late = try noLookBack.schedule(dots, from: start)
        let earlyChange = try #require(early.rateChanges.first)
        let lateChange = try #require(late.rateChanges.first)
        #expect(earlyChange.beforeDot < 6)
        #expect(lateChange.beforeDot == 6)
        #expect(early.breakdown.motorWaitSeconds == 0)
        #expect(late.breakdown.motorWaitSeconds > 0.01)
        #expect(early.end < late.end)
    }

    /// A change the earlier dots cannot run under holds the dot back only until the motor is within 1 % at the
    /// board's check.
    @Test func largeRateChangeWaitsOnlyAsLongAsNeeded() throws {
        let dots = [dot(0, x: 101, y: 100), dot(1, x: 102, y: 100, rate: 150)]
        let schedule = try MotionScheduler(machine: machine, surface: FlatSurface()).schedule(
            dots, from: steadyStart(rate: 120))
        let change = try #require(schedule.rateChanges.first)
        #expect(change.beforeDot == 1 && change.time == schedule.dots[0].end)
        let second = schedule.dots[1]
        #expect(second.start > schedule.dots[0].end)
        // τ·ln(30 / 1.5) after the change the motor is at 1 %; the hop ends then, not later.
        let settled = Double(change.time) / 1e6 + 0.045 * log(30 / 1.5)
        #expect(abs(Double(second.hopEnd) / 1e6 - settled) < 3e-6)
    }

    @Test func badDotsAreNamed() {
        let scheduler = MotionScheduler(machine: machine, surface: FlatSurface())
        let start = steadyStart(rate: 120)
        #expect(throws: MotionError.self) { try scheduler.schedule([dot(7, x: 1, y: 1, hang: 2.1)], from: start) }
        do {
            _ = try scheduler.schedule([dot(1, x: 1, y: 1), dot(42, x: 250, y: 1)], from: start)
            Issue.record("a dot outside travel was scheduled")
        } catch {
            #expect(error.dotID == 42 && error.field == "x")
            #expect(error.description.hasPrefix("dot 42: x is 250.0 mm; expected 0...200.0 mm"))
        }
        let low = MotionScheduler(machine: machine, surface: FlatSurface(), liftMM: 0.1)
        #expect(throws: MotionError.self) { try low.schedule([dot(1, x: 1, y: 1)], from: start) }
    }

    /// Over a curved surface the hop rises to the lift above the highest point between the sites before X/Y move,
    /// and each dot ends at its own lift.
    @Test func hopClearsTheHighestSurfaceOnTheWay() throws {
        struct Bump: SurfaceHeights {
            func heightMM(x: Double, y: Double) -> Double { x > 101.4 && x < 102.6 ? 0.5 : 0 }
            var isFlat: Bool { false }
        }
        let dots = [dot(0, x: 100, y: 100), dot(1, x: 104, y: 100)]
        let start = MotionStart(
            time: 0, xMM: 100, yMM: 100, zMM: -0.15, camPhase: 0.5, motorRateHz: 120, motorDriveHz: 120)
        let curved = try MotionScheduler(machine: machine, surface: Bump()).schedule(dots, from: start)
        let flat = try MotionScheduler(machine: machine, surface: FlatSurface()).schedule(dots, from: start)
        let hop = curved.dots[1]
        #expect(abs(hop.hopZMM - -0.65) < 1e-12)
        #expect(abs(hop.liftZMM - -0.15) < 1e-12)
        // The raise of 0.5 mm comes before X/Y: the hop is longer by the raise.
        let raise = RestToRestMove.plannedDuration(distance: 0.5, limits: machine.z)
        let flatHop = Double(flat.dots[1].hopEnd - flat.dots[1].start) / 1e6
        #expect(abs(Double(hop.hopEnd - hop.start) / 1e6 - (flatHop + raise)) < 3e-6)
    }

    /// `MotionMachine.r1` says what the hardware files say.
    @Test func r1MirrorsTheHardwareFiles() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let boardData = try Data(contentsOf: root.appendingPathComponent("Hardware/smp-driver-r1/board.json"))
        let handpieceData = try Data(contentsOf: root.appendingPathComponent("Hardware/handpieces/rotary-r1.json"))
        let board = try #require(try JSONSerialization.jsonObject(with: boardData) as? [String: Any])
        let handpiece = try #require(try JSONSerialization.jsonObject(with: handpieceData) as? [String: Any])
        let axes = try #require(board["axes"] as? [String: [String: Double]])
        let r1 = MotionMachine.r1
        for (name, axis) in [("x", r1.x), ("y", r1.y), ("z", r1.z)] {
            #expect(axes[name]?["max_speed_mm_s"] == axis.maxSpeed)
            #expect(axes[name]?["max_accel_mm_s2"] == axis.maxAcceleration)
        }
        #expect(axes["x"]?["resolution_um"] == r1.positionResolutionMM * 1000)
        #expect(axes["z"]?["resolution_um"] == r1.zResolutionMM * 1000)
        #expect(board["hang_ceiling_mm"] as? Double == r1.hangCeilingMM)
        #expect(board["retract_clearance_mm"] as? Double == r1.retractClearanceMM)
        #expect(board["max_strokes_per_dot"] as? Int == r1.maxStrokesPerDot)
        let motor = try #require(board["motor"] as? [String: Double])
        #expect(motor["min_hz"] == r1.motorRangeHz.lowerBound && motor["max_hz"] == r1.motorRangeHz.upperBound)
        let lag = try #require(handpiece["motor_time_constant_ms"] as? [String: Any])
        #expect(lag["value"] as? Double == r1.motorTimeConstantS * 1000)
        #expect(handpiece["model"] as? String == r1.handpieceModel)
    }

    /// `smpctl plan`'s estimate is this schedule: for an example plan it is within 5 % of the kinematic bound.
    @Test func planEstimateIsTheSchedule() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let plan = try PlanLoader.load(
            contentsOf: root.appendingPathComponent("Examples/quick.json"), displayName: "quick.json")
        let result = try Planner.run(plan)
        let schedule = try MotionSchedule.forPlan(result)
        try #require(schedule.dots.count == result.sessionDots.count)
        #expect(schedule.dots.map(\.id) == result.sessionDots.map(\.id))
        let bound = KinematicBound(schedule)
        #expect(schedule.durationSeconds >= bound.sequentialSeconds)
        #expect(schedule.durationSeconds <= 1.05 * bound.sequentialSeconds)
    }
}
