import Foundation
import SMPHardware

/// The handpiece motor: SMPHardware's ``MotorLag`` law (speed follows the drive with a first-order lag, one cam
/// revolution is one stroke), plus the jam a real rotor can suffer. Rates are in strokes per second (Hz), times in
/// seconds of board time.
public struct RotaryMotor: Sendable, Equatable {
    /// The lag law the rotor follows while it turns freely.
    public private(set) var lag: MotorLag
    /// True after a stall: the rotor is held at rate 0 whatever the drive says, until ``clearStall(at:)``.
    public private(set) var stalled = false

    /// A motor at rest with cam phase 0 (needle at the top of its stroke).
    public init(timeConstant: Double) {
        lag = MotorLag(timeConstant: timeConstant)
    }

    /// Lag time constant τ (s).
    public var timeConstant: Double { lag.timeConstant }
    public var baseTime: Double { lag.baseTime }
    public var baseRate: Double { lag.baseRate }
    public var basePhase: Double { lag.basePhase }
    /// The drive's rate (Hz); 0 when stopped.
    public var target: Double { lag.target }

    /// Speed (Hz) at `time`.
    public func rate(at time: Double) -> Double { stalled ? 0 : lag.rate(at: time) }

    /// Cam phase (revolutions since power-up) at `time`.
    public func phase(at time: Double) -> Double { stalled ? lag.basePhase : lag.phase(at: time) }

    /// Sets the drive to `rate` (Hz) from `time` on.
    public mutating func drive(_ rate: Double, at time: Double) {
        if stalled {
            // The jammed rotor stays at its frozen phase and at rest; only the drive changes.
            lag = MotorLag(
                timeConstant: timeConstant, time: max(time, lag.baseTime), phase: lag.basePhase, rate: 0,
                drive: max(0, rate))
        } else {
            lag.drive(rate, at: time)
        }
    }

    /// Stops the drive; the rotor coasts down with the same lag.
    public mutating func stop(at time: Double) { drive(0, at: time) }

    /// The rotor jams at `time`: speed drops to zero at once and the phase freezes.
    public mutating func stall(at time: Double) {
        let now = max(time, lag.baseTime)
        lag = MotorLag(timeConstant: timeConstant, time: now, phase: phase(at: now), rate: 0, drive: lag.target)
        stalled = true
    }

    /// The jam clears at `time`; the rotor starts from rest towards the drive.
    public mutating func clearStall(at time: Double) {
        guard stalled else { return }
        lag = MotorLag(timeConstant: timeConstant, time: time, phase: lag.basePhase, rate: 0, drive: lag.target)
        stalled = false
    }

    /// The drive, off, creeps the cam to `phase` and holds it there: the rotor rests at that phase from `time` on.
    public mutating func park(atPhase phase: Double, at time: Double) {
        lag.park(atPhase: phase, at: time)
        stalled = false
    }

    /// The earliest time ≥ `time` at which the phase reaches `goal`, or nil if it never does under the current
    /// drive (stopped, stalled, or coasting down short of it).
    public func time(ofPhase goal: Double, notBefore time: Double) -> Double? {
        if goal <= phase(at: time) { return time }
        if stalled { return nil }
        return lag.time(ofPhase: goal, notBefore: time)
    }
}
