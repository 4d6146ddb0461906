import Foundation

/// The handpiece motor: its speed follows the drive with a first-order lag, and one cam revolution is one stroke.
///
/// Closed form: with the drive set to `target` at `t0`, ω(t) = target + (ω0 − target)·e^{−(t−t0)/τ}, and the cam
/// phase (in revolutions = strokes) is φ(t) = φ0 + target·Δt + (ω0 − target)·τ·(1 − e^{−Δt/τ}). Rates are in
/// strokes per second (Hz), times in seconds of board time.
public struct RotaryMotor: Sendable, Equatable {
    /// Lag time constant τ (s).
    public let timeConstant: Double
    public private(set) var baseTime: Double = 0
    public private(set) var baseRate: Double = 0
    public private(set) var basePhase: Double = 0
    /// The drive's rate (Hz); 0 when stopped.
    public private(set) var target: Double = 0
    /// True after a stall: the rotor is held at rate 0 whatever the drive says, until ``clearStall(at:)``.
    public private(set) var stalled = false

    /// A motor at rest with cam phase 0 (needle at the top of its stroke).
    public init(timeConstant: Double) {
        self.timeConstant = timeConstant
    }

    /// Speed (Hz) at `time`.
    public func rate(at time: Double) -> Double {
        if stalled { return 0 }
        return target + (baseRate - target) * decay(since: time)
    }

    /// e^{−Δt/τ}, exactly 0 once it is below 1e-26 (past 60 τ), where libm's slow underflow path would only
    /// produce denormals that change nothing.
    private func decay(since time: Double) -> Double {
        let ratio = max(0, time - baseTime) / timeConstant
        return ratio > 60 ? 0 : exp(-ratio)
    }

    /// Cam phase (revolutions since power-up) at `time`.
    public func phase(at time: Double) -> Double {
        if stalled { return basePhase }
        let elapsed = max(0, time - baseTime)
        return basePhase + target * elapsed + (baseRate - target) * timeConstant * (1 - decay(since: time))
    }

    /// Sets the drive to `rate` (Hz) from `time` on.
    public mutating func drive(_ rate: Double, at time: Double) {
        rebase(at: time)
        target = max(0, rate)
    }

    /// Stops the drive; the rotor coasts down with the same lag.
    public mutating func stop(at time: Double) { drive(0, at: time) }

    /// The rotor jams at `time`: speed drops to zero at once and the phase freezes.
    public mutating func stall(at time: Double) {
        rebase(at: time)
        baseRate = 0
        stalled = true
    }

    /// The jam clears at `time`; the rotor starts from rest towards the drive.
    public mutating func clearStall(at time: Double) {
        guard stalled else { return }
        baseTime = time
        baseRate = 0
        stalled = false
    }

    /// The drive, off, creeps the cam to `phase` and holds it there: the rotor rests at that phase from `time` on.
    public mutating func park(atPhase phase: Double, at time: Double) {
        baseTime = time
        baseRate = 0
        basePhase = phase
        target = 0
        stalled = false
    }

    /// The earliest time ≥ `time` at which the phase reaches `phase`, or nil if it never does under the current
    /// drive (stopped, stalled, or coasting down short of it).
    public func time(ofPhase goal: Double, notBefore time: Double) -> Double? {
        let current = phase(at: time)
        if goal <= current { return time }
        if stalled { return nil }
        if target <= 0 {
            // Coasting: the phase approaches basePhase + baseRate·τ and never gets there.
            let limit = basePhase + baseRate * timeConstant
            if goal >= limit { return nil }
            let fraction = (goal - basePhase) / (baseRate * timeConstant)
            return max(time, baseTime - timeConstant * log(1 - fraction))
        }
        // φ is increasing and convex or concave with bounded curvature: Newton from a linear guess converges in a
        // few steps; the bracket keeps it safe.
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

    private mutating func rebase(at time: Double) {
        let now = max(time, baseTime)
        basePhase = phase(at: now)
        baseRate = rate(at: now)
        baseTime = now
    }
}
