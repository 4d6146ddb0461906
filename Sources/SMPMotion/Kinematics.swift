import Foundation

/// Minimum-time rest-to-rest moves of one axis under a speed and an acceleration limit, computed the way the board
/// computes them: an acceleration segment, a cruise segment when the top speed is reached, a deceleration segment.
///
/// Two durations exist because the board uses both: the closed form when it plans a dip ahead (``plannedDuration``),
/// and the sum of its segments when it executes a move (``executedDuration``). They differ by rounding only, but a
/// model that is to land on the same microsecond as the board must use each where the board does.
public enum RestToRestMove {
    /// Closed form: 2·√(d/a) when the top speed is never reached (d·a ≤ v²), else d/v + v/a.
    public static func plannedDuration(distance: Double, limits: MotionMachine.Axis) -> Double {
        let d = abs(distance)
        let v = limits.maxSpeed
        let a = limits.maxAcceleration
        if d * a <= v * v { return 2 * (d / a).squareRoot() }
        return d / v + v / a
    }

    /// The segments' durations summed in execution order (0 for no move).
    public static func executedDuration(distance: Double, limits: MotionMachine.Axis) -> Double {
        let segments = segments(distance: distance, limits: limits)
        var total = 0.0
        if segments.accelerate > 0 { total += segments.accelerate }
        if segments.cruise > 0 { total += segments.cruise }
        if segments.decelerate > 0 { total += segments.decelerate }
        return total
    }

    /// Durations of the acceleration, cruise and deceleration segments (s) and the peak speed (mm/s).
    public static func segments(distance: Double, limits: MotionMachine.Axis) -> (
        accelerate: Double, cruise: Double, decelerate: Double, peakSpeed: Double
    ) {
        let d = abs(distance)
        guard d > 0 else { return (0, 0, 0, 0) }
        let v = limits.maxSpeed
        let a = limits.maxAcceleration
        let peak = min(v, (a * d).squareRoot())
        let ramp = peak / a
        let rampDistance = peak * peak / (2 * a) + peak * peak / (2 * a)
        let cruise = peak < v ? 0 : max(0, (d - rampDistance) / peak)
        return (ramp, cruise, ramp, peak)
    }

    /// Position (mm, from the start, towards the target) and speed (mm/s) `time` seconds into the move.
    public static func state(at time: Double, distance: Double, limits: MotionMachine.Axis) -> (
        position: Double, speed: Double
    ) {
        let (accelerate, cruise, decelerate, peak) = segments(distance: distance, limits: limits)
        let a = limits.maxAcceleration
        let t = max(0, time)
        if t <= accelerate { return (0.5 * a * t * t, a * t) }
        let rampDistance = 0.5 * a * accelerate * accelerate
        if t <= accelerate + cruise { return (rampDistance + peak * (t - accelerate), peak) }
        let into = min(t - accelerate - cruise, decelerate)
        let position = rampDistance + peak * cruise + peak * into - 0.5 * a * into * into
        return (min(position, abs(distance)), max(0, peak - a * into))
    }

    /// Time (s) a rest-to-rest move of `distance` spends covering its first `part` mm (the same as its last `part`).
    public static func timeToCover(_ part: Double, distance: Double, limits: MotionMachine.Axis) -> Double {
        let d = abs(distance)
        let p = min(max(0, part), d)
        let (accelerate, cruise, _, peak) = segments(distance: d, limits: limits)
        let a = limits.maxAcceleration
        let rampDistance = 0.5 * a * accelerate * accelerate
        if p <= rampDistance { return (2 * p / a).squareRoot() }
        if p <= rampDistance + peak * cruise { return accelerate + (p - rampDistance) / peak }
        // Into the deceleration: solve p = ramp + cruise + peak·u − ½a·u².
        let left = p - rampDistance - peak * cruise
        let discriminant = max(0, peak * peak - 2 * a * left)
        return accelerate + cruise + (peak - discriminant.squareRoot()) / a
    }
}

/// The handpiece motor as the host models it: speed follows the drive with a first-order lag of the handpiece's
/// nominal time constant, and one cam revolution is one stroke (phase n + ½ is a stroke bottom).
///
/// ω(t) = target + (ω₀ − target)·e^{−Δt/τ}; φ(t) = φ₀ + target·Δt + (ω₀ − target)·τ·(1 − e^{−Δt/τ}). The board's
/// firmware runs the same law on its real motor; the host's copy is its prediction, not shared code, because the
/// product never links the simulator.
public struct MotorLag: Sendable, Equatable {
    public let timeConstant: Double
    public private(set) var baseTime: Double
    public private(set) var baseRate: Double
    public private(set) var basePhase: Double
    /// The drive's rate (Hz).
    public private(set) var target: Double

    /// A motor at `rate` (Hz) with cam `phase` at `time`, driven at `drive`.
    public init(timeConstant: Double, time: Double = 0, phase: Double = 0, rate: Double = 0, drive: Double = 0) {
        self.timeConstant = timeConstant
        baseTime = time
        basePhase = phase
        baseRate = rate
        target = drive
    }

    private func decay(since time: Double) -> Double {
        let ratio = max(0, time - baseTime) / timeConstant
        return ratio > 60 ? 0 : exp(-ratio)
    }

    /// Speed (Hz) at `time`.
    public func rate(at time: Double) -> Double { target + (baseRate - target) * decay(since: time) }

    /// Cam phase (revolutions) at `time`.
    public func phase(at time: Double) -> Double {
        let elapsed = max(0, time - baseTime)
        return basePhase + target * elapsed + (baseRate - target) * timeConstant * (1 - decay(since: time))
    }

    /// Sets the drive to `rate` (Hz) from `time` on.
    public mutating func drive(_ rate: Double, at time: Double) {
        let now = max(time, baseTime)
        basePhase = phase(at: now)
        baseRate = self.rate(at: now)
        baseTime = now
        target = max(0, rate)
    }

    /// The earliest time ≥ `time` at which the phase reaches `goal`; nil if it never does (stopped or coasting
    /// short of it). Newton's method from a linear guess inside a bracket.
    public func time(ofPhase goal: Double, notBefore time: Double) -> Double? {
        let current = phase(at: time)
        if goal <= current { return time }
        if target <= 0 {
            let limit = basePhase + baseRate * timeConstant
            if goal >= limit { return nil }
            let fraction = (goal - basePhase) / (baseRate * timeConstant)
            return max(time, baseTime - timeConstant * log(1 - fraction))
        }
        var low = time
        var high = time + (goal - current) / max(min(rate(at: time), target), 1e-9) + 4 * timeConstant
        while phase(at: high) < goal { high += (goal - current) / target + timeConstant }
        var guess = time + (goal - current) / max(rate(at: time), target * 0.5)
        if guess <= low || guess >= high { guess = (low + high) / 2 }
        for _ in 0..<60 {
            let error = phase(at: guess) - goal
            if abs(error) < 1e-12 { break }
            if error > 0 { high = guess } else { low = guess }
            let slope = rate(at: guess)
            var next = slope > 0 ? guess - error / slope : (low + high) / 2
            if next <= low || next >= high { next = (low + high) / 2 }
            guess = next
            if high - low < 1e-12 { break }
        }
        return guess
    }

    /// How long after a drive change to `target` the speed is within `fraction`·target of it, starting from
    /// `rate`: τ·ln(|rate − target| / (fraction·target)), 0 when already within.
    public static func settlingTime(from rate: Double, to target: Double, within fraction: Double, timeConstant: Double)
        -> Double
    {
        let gap = abs(rate - target)
        let allowed = fraction * target
        guard gap > allowed, allowed > 0 else { return 0 }
        return timeConstant * log(gap / allowed)
    }
}
