/// One axis moving under a speed and an acceleration limit, as piecewise-constant-acceleration segments.
///
/// Event-driven and exact: position and velocity at any time come from closed-form kinematics, so there is no
/// integration step and no drift, whatever the resolution asked of it. Times are seconds of board time.
public struct AxisTrajectory: Sendable, Equatable {
    /// A stretch of constant acceleration.
    public struct Segment: Sendable, Equatable {
        public var duration: Double
        public var acceleration: Double
    }

    /// Speed limit (mm/s).
    public let maxSpeed: Double
    /// Acceleration limit (mm/s²).
    public let maxAcceleration: Double

    /// Where the current plan starts.
    public private(set) var startTime: Double
    public private(set) var startPosition: Double
    public private(set) var startVelocity: Double
    /// The plan from `startTime`; after the last segment the axis rests (the last segment always ends at rest).
    public private(set) var segments: [Segment]

    /// An axis at rest at `position`.
    public init(position: Double, maxSpeed: Double, maxAcceleration: Double) {
        self.maxSpeed = maxSpeed
        self.maxAcceleration = maxAcceleration
        startTime = 0
        startPosition = position
        startVelocity = 0
        segments = []
    }

    /// When the current plan ends with the axis at rest.
    public var endTime: Double { startTime + segments.reduce(0) { $0 + $1.duration } }

    /// Where the axis rests once the current plan ends.
    public var endPosition: Double { state(at: endTime).position }

    /// Position (mm) and velocity (mm/s) at `time`.
    public func state(at time: Double) -> (position: Double, velocity: Double) {
        var position = startPosition
        var velocity = startVelocity
        var remaining = max(0, time - startTime)
        for segment in segments {
            let step = min(remaining, segment.duration)
            position += velocity * step + 0.5 * segment.acceleration * step * step
            velocity += segment.acceleration * step
            remaining -= step
            if remaining <= 0 { return (position, velocity) }
        }
        // Past the plan: at rest. Velocity is exactly zero; rounding in the sum above is not carried forward.
        return (position, segments.isEmpty ? startVelocity : 0)
    }

    /// Position at `time`.
    public func position(at time: Double) -> Double { state(at: time).position }

    /// Whether the axis is still moving at `time`.
    public func isMoving(at time: Double) -> Bool { time < endTime }

    /// Replans from `time`: reach `target` and stop there, in minimum time within the limits, from whatever
    /// position and velocity the axis has at `time`. Returns the arrival time.
    @discardableResult
    public mutating func move(to target: Double, at time: Double) -> Double {
        let now = state(at: time)
        startTime = time
        startPosition = now.position
        startVelocity = now.velocity
        segments = Self.plan(
            from: now.position, velocity: now.velocity, to: target, speed: maxSpeed, accel: maxAcceleration)
        return endTime
    }

    /// As ``move(to:at:)`` with the speed limited to `speedLimit` (mm/s, at most the axis's own): probing moves.
    @discardableResult
    public mutating func move(to target: Double, at time: Double, speedLimit: Double) -> Double {
        let now = state(at: time)
        startTime = time
        startPosition = now.position
        startVelocity = now.velocity
        segments = Self.plan(
            from: now.position, velocity: now.velocity, to: target, speed: min(maxSpeed, speedLimit),
            accel: maxAcceleration)
        return endTime
    }

    /// Replans from `time` with the axis at rest: follows `segments` with each acceleration scaled by `scale`
    /// (|scale| <= 1), so that two axes given one path plan move along a straight line. Returns the arrival time.
    @discardableResult
    mutating func follow(_ path: [Segment], scale: Double, at time: Double) -> Double {
        startPosition = state(at: time).position
        startTime = time
        startVelocity = 0
        segments = path.map { Segment(duration: $0.duration, acceleration: $0.acceleration * scale) }
        return endTime
    }

    /// Replans from `time`: decelerate at the acceleration limit to a stop. Returns when the axis is at rest.
    @discardableResult
    public mutating func stop(at time: Double) -> Double {
        let now = state(at: time)
        startTime = time
        startPosition = now.position
        startVelocity = now.velocity
        segments = Self.stopSegments(velocity: now.velocity, accel: maxAcceleration)
        return endTime
    }

    /// Replaces the plan with the axis at rest at `position` (e.g. after a reset homes it).
    public mutating func place(at position: Double, time: Double) {
        startTime = time
        startPosition = position
        startVelocity = 0
        segments = []
    }

    static func stopSegments(velocity: Double, accel: Double) -> [Segment] {
        guard velocity != 0 else { return [] }
        return [Segment(duration: abs(velocity) / accel, acceleration: velocity > 0 ? -accel : accel)]
    }

    /// Minimum-time rest-to-target plan from any (position, velocity): an optional stop when the axis would move
    /// away or overshoot, then a trapezoid (or triangle) towards the target.
    static func plan(from position: Double, velocity: Double, to target: Double, speed: Double, accel: Double)
        -> [Segment]
    {
        let distance = target - position
        if distance == 0 && velocity == 0 { return [] }
        let direction: Double = distance >= 0 ? 1 : -1
        let approach = velocity * direction  // speed towards the target; negative means moving away
        let stoppingDistance = approach * approach / (2 * accel)
        if approach < 0 || stoppingDistance > abs(distance) || (distance == 0) {
            // Stop first, then plan again from rest where the stop leaves the axis.
            let stop = stopSegments(velocity: velocity, accel: accel)
            let stopTime = abs(velocity) / accel
            let stoppedAt = position + velocity * stopTime / 2
            return stop + plan(from: stoppedAt, velocity: 0, to: target, speed: speed, accel: accel)
        }
        let remaining = abs(distance)
        var segments: [Segment] = []
        var entrySpeed = approach
        var covered = 0.0
        if entrySpeed > speed {
            // Only reachable with a velocity above the limit (never from this type's own plans).
            let time = (entrySpeed - speed) / accel
            segments.append(Segment(duration: time, acceleration: -direction * accel))
            covered += (entrySpeed + speed) / 2 * time
            entrySpeed = speed
        }
        let left = remaining - covered
        let peakSquared = accel * left + entrySpeed * entrySpeed / 2
        let peak = min(speed, peakSquared.squareRoot())
        let accelTime = (peak - entrySpeed) / accel
        let decelTime = peak / accel
        let rampDistance = (peak * peak - entrySpeed * entrySpeed) / (2 * accel) + peak * peak / (2 * accel)
        let cruiseTime = peak < speed ? 0 : max(0, (left - rampDistance) / peak)
        if accelTime > 0 { segments.append(Segment(duration: accelTime, acceleration: direction * accel)) }
        if cruiseTime > 0 { segments.append(Segment(duration: cruiseTime, acceleration: 0)) }
        if decelTime > 0 { segments.append(Segment(duration: decelTime, acceleration: -direction * accel)) }
        return segments
    }

    /// Time a rest-to-rest move of `distance` takes under the limits (for planning checks and tests).
    public static func restToRestDuration(distance: Double, speed: Double, accel: Double) -> Double {
        let d = abs(distance)
        if d * accel <= speed * speed { return 2 * (d / accel).squareRoot() }
        return d / speed + speed / accel
    }
}
