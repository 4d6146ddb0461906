import Foundation
import SMPWire

/// Where a dot is in its execution (Docs/Protocol.md §10 gives the order).
enum DotStage: Sendable {
    /// Held: waiting for resume (and the motor) to start again from the hop.
    case held
    /// Z going up to the hop height; X/Y wait for it.
    case raise
    /// X/Y moving in a straight line to the site at the hop height.
    case travel
    /// Waiting for the phase-locked moment to start down.
    case awaitDescent
    /// Z going down to the executed Z.
    case descending
    /// Z at the executed Z: waiting for the remaining full-depth bottoms.
    case stroking
    /// The last stroke is done; Z starts up after a margin.
    case awaitAscent
    /// Z going back up to the lift height over the site.
    case ascending
}

/// A dot being executed.
struct DotRun: Sendable {
    var dot: QueuedDot
    var stage: DotStage
    var deadline: UInt64?
    var plan: DipPlan?
    /// Board time the dot started (its start check passed).
    var startedAt: UInt64
    /// The board's surface height at the site (um) and the axis Z of the stroke bottom and of the lift (mm).
    var siteSurfaceMicrometres: Int32
    var executedZ: Double
    var liftZ: Double
    /// Board time Z first started down towards the skin: from then on the dot ends `completed` or `interrupted`.
    var dipStartedAt: UInt64?
    var dipStarted: Bool { dipStartedAt != nil }
    var loads: [UInt8] = []
    var strokes: [StrokeTruth] = []
    var samples: [StrokeSample] = []

    var counted: Int { loads.count }
    var remaining: Int { dot.strokes - loads.count }
}

/// A `move_to` being executed: Z to the hop height, then X/Y.
struct MoveRun: Sendable {
    var x: Double
    var y: Double
    var hopZ: Double
    var travelling = false
    var deadline: UInt64
}

/// Where a touch-off is.
enum ProbeStage: Sendable {
    /// Motor stopping, Z going up to the retract height.
    case stopMotor
    /// The cam creeping to bottom dead centre.
    case park
    /// X/Y to the site.
    case travel
    /// Z down at the approach speed to the approach Z (or to where it stops, if sooner).
    case approach
    /// Z down at the probe speed to where it stops.
    case descend
    /// Z back up to the retract height; the result goes out when it is there.
    case retract
    /// Held: starts again from the beginning on resume.
    case held
}

/// A touch-off being executed.
struct ProbeRun: Sendable {
    var probe: QueuedProbe
    var stage: ProbeStage
    var deadline: UInt64?
    var result: TouchOffResult?
    var truth: TouchOffTruth?
    /// Where the descent stops (axis Z, mm).
    var stopZ = 0.0
}

/// What the board is doing.
enum Activity: Sendable {
    case idle
    case moving(MoveRun)
    case dot(DotRun)
    case probe(ProbeRun)
}
