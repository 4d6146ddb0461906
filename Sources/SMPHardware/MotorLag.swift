import Foundation

/// The handpiece motor's law: speed follows the drive with a first-order lag of time constant τ, and one cam
/// revolution is one stroke (phase n + ½ is a stroke bottom).
///
/// ω(t) = target + (ω₀ − target)·e^{−Δt/τ}; φ(t) = φ₀ + target·Δt + (ω₀ − target)·τ·(1 − e^{−Δt/τ}). One copy for
/// both users: the host predicts the board with it (SMPMotion) and the simulated board's rotor runs on it
/// (SMPBoardSim's `RotaryMotor`, which adds the stall), so the prediction and the simulation agree to the bit.
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

    /// The motor at rest with its cam at `phase` from `time` on, drive off (the cam crept there and is held).
    public mutating func park(atPhase phase: Double, at time: Double) {
        self = MotorLag(timeConstant: timeConstant, time: time, phase: phase, rate: 0, drive: 0)
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
