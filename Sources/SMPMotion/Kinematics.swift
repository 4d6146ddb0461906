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
