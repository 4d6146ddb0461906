import Foundation
import SMPHardware

/// The rig's mechanics on the board clock: X/Y gantry, Z (hang) axis, motor, cam, and the patient under them.
///
/// Event-driven: axes and motor are closed-form in time, and every stroke is evaluated exactly at its bottom dead
/// centre (cam phase n + ½), the instant of deepest intrusion. Z and the gantry move at most 50-100 mm/s while the
/// needle moves at ~1 m/s near the bottom of its stroke, so taking the intrusion at that instant is exact to well
/// under a micrometre — finer than any fixed 10 kHz step, which would miss the true bottom by up to 100 µs of cam
/// travel. Nothing here reads a clock or does I/O; the firmware model calls ``advance(to:)`` with board time.
public struct RigPhysics: Sendable {
    public internal(set) var x: AxisTrajectory
    public internal(set) var y: AxisTrajectory
    /// Z in hang coordinates: positive is deeper; the local hang is Z plus the surface height there.
    public private(set) var z: AxisTrajectory
    public private(set) var motor: RotaryMotor
    public private(set) var cam: NeedleCam
    public private(set) var skin: SkinMechanics
    /// How much further the fitted cartridge's needle reaches than the set-up's (mm): the tip is at Z + this.
    public private(set) var needleOffsetMM = 0.0
    public let patient: SimulatedPatient
    /// Standard deviation of the motor-current load sensor (N).
    public let sensorNoiseN: Double

    /// Board time (s) up to which strokes have been evaluated.
    public private(set) var evaluatedUntil: Double = 0
    /// Index n of the next stroke bottom (cam phase n + ½) not yet evaluated.
    public private(set) var nextStroke: Int64 = 0
    /// Stroke bottoms passed so far, touching the skin or not.
    public private(set) var strokeBottoms: Int64 = 0

    private var sensorRandom: SeededGenerator
    /// Recent punctures, so that a stroke landing in an open hole is recognised as re-opening it.
    private var recentPunctures: [(x: Double, y: Double)] = []

    /// A rig at rest: X/Y at `home`, Z retracted to `retractedHang`, motor stopped, cam at the top.
    public init(
        board: BoardDefinition, handpiece: HandpieceDefinition, patient: SimulatedPatient,
        home: (x: Double, y: Double) = (0, 0), retractedHang: Double, sensorNoiseN: Double, seed: UInt64
    ) {
        x = AxisTrajectory(
            position: home.x, maxSpeed: board.axes.x.maxSpeedMMPerS, maxAcceleration: board.axes.x.maxAccelMMPerS2)
        y = AxisTrajectory(
            position: home.y, maxSpeed: board.axes.y.maxSpeedMMPerS, maxAcceleration: board.axes.y.maxAccelMMPerS2)
        z = AxisTrajectory(
            position: retractedHang, maxSpeed: board.axes.z.maxSpeedMMPerS,
            maxAcceleration: board.axes.z.maxAccelMMPerS2)
        motor = RotaryMotor(timeConstant: handpiece.motorTimeConstantMS.value / 1000)
        cam = NeedleCam(handpiece: handpiece)
        skin = SkinMechanics(handpiece: handpiece)
        self.patient = patient
        self.sensorNoiseN = sensorNoiseN
        sensorRandom = SeededGenerator(seed: seed, stream: "sensor")
    }

    /// See ``advance(to:into:)``: far above the rounding of phase and of the bottom solve, far below a stroke.
    static let phaseSkipMargin = 1e-6

    /// Board microseconds to physics seconds.
    public static func seconds(_ micros: UInt64) -> Double { Double(micros) / 1_000_000 }

    /// Evaluates every stroke bottom up to `time` (s) and returns them all, in time order (those that did not reach
    /// the skin with ``StrokeEvent/touchesSkin`` false).
    /// Commands change the plan only from the time they are given, so call this first with that time.
    public mutating func advance(to time: Double) -> [StrokeEvent] {
        var events: [StrokeEvent] = []
        advance(to: time, into: &events)
        return events
    }

    /// As ``advance(to:)``, appending to `events` (no allocation when nothing touched the skin).
    public mutating func advance(to time: Double, into events: inout [StrokeEvent]) {
        guard time > evaluatedUntil else { return }
        // A bottom whose phase lies beyond the phase at `time` (by more than the solver's and the formula's rounding,
        // ~1e-10 revolution) cannot come by `time`: the solve for it is skipped, which changes no result. Most calls
        // come between two bottoms, and the solve is the costliest step of the simulation.
        let phaseNow = motor.phase(at: time)
        while Double(nextStroke) + 0.5 <= phaseNow + Self.phaseSkipMargin,
            let bottom = motor.time(ofPhase: Double(nextStroke) + 0.5, notBefore: evaluatedUntil), bottom <= time
        {
            nextStroke += 1
            strokeBottoms += 1
            if let event = evaluateStroke(index: nextStroke - 1, at: bottom) { events.append(event) }
        }
        evaluatedUntil = time
        // Skip the strokes that were passed while the cam turned without the physics looking (never, unless
        // someone sets the phase): keep nextStroke at the first bottom after `time`.
        let firstAhead = Int64((phaseNow - 0.5).rounded(.down)) + 1
        if firstAhead > nextStroke { nextStroke = firstAhead }
    }

    private mutating func evaluateStroke(index: Int64, at time: Double) -> StrokeEvent? {
        let zNow = z.position(at: time)
        let xState = x.state(at: time)
        let yState = y.state(at: time)
        let surface = patient.surfaceHeight(x: xState.position, y: yState.position)
        let intrusion = cam.effectiveHang(zNow + surface + needleOffsetMM)
        let rate = motor.rate(at: time)
        guard intrusion > 0 else {
            return StrokeEvent(
                index: index, timeS: time, x: xState.position, y: yState.position, zMM: zNow,
                localHangMM: zNow + surface,
                intrusionMM: intrusion,
                outcome: StrokeOutcome(peakLoadN: 0, settledLoadN: 0, punctured: false, depositDepthMM: 0),
                sensedLoadN: 0, sensedBottomLoadN: 0, rateHz: rate, smearMM: 0, reopening: false, tissue: nil)
        }
        let tissue = patient.tissue(x: xState.position, y: yState.position)
        let reopening = recentPunctures.contains { hole in
            let dx = hole.x - xState.position
            let dy = hole.y - yState.position
            return dx * dx + dy * dy <= skin.needleDiameterMM * skin.needleDiameterMM
        }
        let outcome = skin.stroke(intrusion: intrusion, tissue: tissue, reopening: reopening)
        if outcome.punctured {
            recentPunctures.append((xState.position, yState.position))
            if recentPunctures.count > 16 { recentPunctures.removeFirst() }
        }
        let contact = cam.contactDuration(intrusion: intrusion, rate: rate)
        let speed = (xState.velocity * xState.velocity + yState.velocity * yState.velocity).squareRoot()
        let noise = sensorNoiseN * sensorRandom.nextGaussian()
        return StrokeEvent(
            index: index, timeS: time, x: xState.position, y: yState.position, zMM: zNow, localHangMM: zNow + surface,
            intrusionMM: intrusion, outcome: outcome, sensedLoadN: max(0, outcome.peakLoadN + noise),
            sensedBottomLoadN: max(0, outcome.settledLoadN + noise), rateHz: rate, smearMM: speed * contact,
            reopening: reopening, tissue: tissue)
    }

    /// Starts a coordinated-free X/Y move to (`toX`, `toY`) at `time` (each axis minimum-time within its own
    /// limits). Returns the arrival time (s).
    @discardableResult
    public mutating func moveXY(toX: Double, toY: Double, at time: Double) -> Double {
        max(x.move(to: toX, at: time), y.move(to: toY, at: time))
    }

    /// Starts a straight-line X/Y move to (`toX`, `toY`) at `time`, both axes at rest, within both axes' limits, so
    /// that the needle passes only over the segment between the two points. Returns the arrival time (s).
    @discardableResult
    public mutating func moveXYStraight(toX: Double, toY: Double, at time: Double) -> Double {
        let from = (x: x.position(at: time), y: y.position(at: time))
        let dx = toX - from.x
        let dy = toY - from.y
        let length = (dx * dx + dy * dy).squareRoot()
        guard length > 0 else { return max(x.endTime, y.endTime, time) }
        let path = AxisTrajectory.plan(
            from: 0, velocity: 0, to: length, speed: min(x.maxSpeed, y.maxSpeed),
            accel: min(x.maxAcceleration, y.maxAcceleration))
        let xEnd = x.follow(path, scale: dx / length, at: time)
        let yEnd = y.follow(path, scale: dy / length, at: time)
        return max(xEnd, yEnd)
    }

    /// Starts a Z move to `hang` at `time` with the speed limited to `speedLimit` (mm/s). Returns the arrival time.
    @discardableResult
    public mutating func moveZ(to hang: Double, at time: Double, speedLimit: Double) -> Double {
        z.move(to: hang, at: time, speedLimit: speedLimit)
    }

    /// The motor, stopped, turns the cam slowly to its next bottom dead centre and holds it there (touch-off).
    public mutating func parkCamAtBottom(at time: Double) { motor.park(atPhase: nextBottomPhase(at: time), at: time) }

    /// The cam phase of the next bottom dead centre at or after `time`.
    func nextBottomPhase(at time: Double) -> Double { (motor.phase(at: time) - 0.5).rounded(.up) + 0.5 }

    /// Starts a Z move to `hang` at `time`. Returns the arrival time (s).
    @discardableResult
    public mutating func moveZ(to hang: Double, at time: Double) -> Double { z.move(to: hang, at: time) }

    /// Sets the motor drive (Hz) at `time`.
    public mutating func driveMotor(_ rate: Double, at time: Double) { motor.drive(rate, at: time) }

    /// Safe state at `time`: Z goes up until the tip is `clearance` above the skin the board knows
    /// (`skinHeight`, hang coordinates, mm: the axis Z of contact is its negation), never past `topOfTravel`; a needle
    /// already that far up only stops, so that repeated faults do not walk Z to the top. With no known skin height Z
    /// goes to the top of travel. The motor drive is cut and X/Y decelerate to a stop at their acceleration limits.
    /// Returns when everything is still (s).
    @discardableResult
    public mutating func enterSafeState(
        at time: Double, clearance: Double, topOfTravel: Double, skinHeight: Double?
    ) -> Double {
        let zNow = z.position(at: time)
        let goal = skinHeight.map { max(topOfTravel, -$0 - clearance) } ?? topOfTravel
        let zDone = zNow > goal ? z.move(to: goal, at: time) : z.stop(at: time)
        motor.stop(at: time)
        let xDone = x.stop(at: time)
        let yDone = y.stop(at: time)
        return max(zDone, xDone, yDone)
    }

    /// Another cartridge is fitted: its needle group, its membrane loss, and its needle reaching `offset` mm further
    /// than the set-up's.
    public mutating func fitCartridge(needleCount: Int, diameterMM: Double, membraneLossMM: Double, offsetMM: Double) {
        skin = SkinMechanics(needleCount: needleCount, needleDiameterMM: diameterMM)
        cam = cam.with(membraneLoss: membraneLossMM)
        needleOffsetMM = offsetMM
        recentPunctures.removeAll()
    }

    /// Jams the motor at `time` (fault injection).
    public mutating func stallMotor(at time: Double) { motor.stall(at: time) }

    /// Clears a jam at `time`.
    public mutating func clearMotorStall(at time: Double) { motor.clearStall(at: time) }
}

/// One stroke bottom, with everything the simulator knows about it.
public struct StrokeEvent: Sendable, Equatable {
    /// Stroke bottom index since power-up.
    public var index: Int64
    /// Board time of the stroke's bottom (s).
    public var timeS: Double
    /// Where the needle was at the bottom (mm).
    public var x: Double
    public var y: Double
    /// Axis Z at the bottom (hang coordinates).
    public var zMM: Double
    /// Z plus the true surface height: what the hang really was here.
    public var localHangMM: Double
    /// Deepest intrusion past the undisturbed surface (local hang − membrane loss).
    public var intrusionMM: Double
    public var outcome: StrokeOutcome
    /// Peak load as the motor-current sensor reports it (true peak plus sensor noise).
    public var sensedLoadN: Double
    /// Load at bottom dead centre as the sensor reports it (after the drop when the stroke punctured).
    public var sensedBottomLoadN: Double
    /// Motor rate at the bottom (Hz), as the board measures it from the cam encoder.
    public var rateHz: Double
    /// How far the needle travelled sideways while in the skin (X/Y speed × contact time).
    public var smearMM: Double
    /// True when the stroke went into a hole an earlier stroke had opened.
    public var reopening: Bool
    /// The tissue where the stroke landed; nil when it did not reach the skin.
    public var tissue: LocalTissue?

    /// True when the tip went past the undisturbed skin surface.
    public var touchesSkin: Bool { intrusionMM > 0 }
}
