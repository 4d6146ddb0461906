import SMPHardware

/// Estimates how long the machine takes for a visiting order, from the board's kinematics.
///
/// Per move: a trapezoidal (or triangular) velocity profile along the straight line, with the path speed and
/// acceleration limited so that neither axis exceeds its own limit. Per dot: the Z dip from retract clearance
/// down to the hang and back (two trapezoidal Z moves of retract clearance + hang), plus strokes / stroke rate.
/// Per needle change: `cartridgeChangeSeconds`.
public enum SessionTimeEstimator {
    /// Cartridge change allowance, seconds [E]: the operator unloads and loads a cartridge, primes pigment, and
    /// the hang is zeroed again (about a minute by hand). Only changes between needle groups count; the first
    /// cartridge is loaded before the session starts.
    public static let cartridgeChangeSeconds = 60.0

    public struct Breakdown: Sendable, Equatable, Codable {
        public var travelSeconds: Double
        public var dipSeconds: Double
        public var strokeSeconds: Double
        public var cartridgeChangeSeconds: Double
        public var totalSeconds: Double { travelSeconds + dipSeconds + strokeSeconds + cartridgeChangeSeconds }
    }

    /// Time for a move of `distance` with speed limit v and acceleration a (trapezoid, or triangle when short).
    public static func moveTime(distance: Double, speed v: Double, accel a: Double) -> Double {
        guard distance > 0 else { return 0 }
        if distance >= v * v / a { return distance / v + v / a }
        return 2 * (distance / a).squareRoot()
    }

    /// Time for an XY move: path limits are the tightest the axes allow along the move's direction.
    public static func xyMoveTime(from p: Point, to q: Point, board: BoardDefinition) -> Double {
        let dx = abs(q.x - p.x)
        let dy = abs(q.y - p.y)
        let distance = (dx * dx + dy * dy).squareRoot()
        guard distance > 0 else { return 0 }
        let ux = dx / distance
        let uy = dy / distance
        let v = min(
            ux > 0 ? board.axes.x.maxSpeedMMPerS / ux : .infinity, uy > 0 ? board.axes.y.maxSpeedMMPerS / uy : .infinity
        )
        let a = min(
            ux > 0 ? board.axes.x.maxAccelMMPerS2 / ux : .infinity,
            uy > 0 ? board.axes.y.maxAccelMMPerS2 / uy : .infinity)
        return moveTime(distance: distance, speed: v, accel: a)
    }

    /// Time per dot at the given hang, strokes and stroke rate: Z down and up, then the strokes.
    public static func dwell(hang: Double, strokes: Int, strokeRateHz: Double, board: BoardDefinition) -> (
        dip: Double, strokes: Double
    ) {
        let z = moveTime(
            distance: board.retractClearanceMM + hang, speed: board.axes.z.maxSpeedMMPerS,
            accel: board.axes.z.maxAccelMMPerS2)
        let rate = min(max(strokeRateHz, board.motor.minHz), board.motor.maxHz)
        return (2 * z, Double(strokes) / rate)
    }

    /// Estimate for dots visited in order, starting from `home`.
    public static func estimate(
        order: [PlannedDot], regions: [PlanRegion], board: BoardDefinition, home: Point = Point(0, 0)
    ) -> Breakdown {
        var result = Breakdown(travelSeconds: 0, dipSeconds: 0, strokeSeconds: 0, cartridgeChangeSeconds: 0)
        var here = home
        var needle: String?
        for dot in order {
            let region = regions[dot.regionIndex]
            result.travelSeconds += xyMoveTime(from: here, to: dot.position, board: board)
            here = dot.position
            let (dip, strokes) = dwell(
                hang: region.hangMM, strokes: region.strokesPerDot, strokeRateHz: region.profile.plannedStrokeRateHz,
                board: board)
            result.dipSeconds += dip
            result.strokeSeconds += strokes
            if let current = needle, current != region.needle.name {
                result.cartridgeChangeSeconds += cartridgeChangeSeconds
            }
            needle = region.needle.name
        }
        return result
    }
}
