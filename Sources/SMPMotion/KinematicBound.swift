/// The least time the same dots in the same order with the same lift could take at the board's limits: each dot's
/// dip and strokes plus the part of each hop that cannot be hidden, with no phase-lock wait, no margins and no
/// motor settling.
///
/// Two bounds, because the board's execution order decides how much of a hop can be hidden:
/// - ``sequentialSeconds``: the v2 order (Docs/Protocol.md §10): X/Y move only while Z rests at the hop height, so
///   no hop is hidden;
/// - ``overlappedSeconds``: X/Y may also move during the part of the ascent and of the descent in which the
///   needle's stroke bottom is above the measured surface (the last `lift` mm of the ascent before, the first `lift`
///   mm of the descent after); that part of each hop is hidden.
///
/// Cartridge changes are added to both, as they are to the schedule, so that the ratio compares motion with
/// motion.
public struct KinematicBound: Sendable, Equatable {
    /// X/Y hops (and hop raises) at the limits (s).
    public var hopSeconds = 0.0
    /// The hop time that Z motion above the surface could hide (s).
    public var hideableHopSeconds = 0.0
    /// Z down to the hang and up to the lift (s).
    public var dipSeconds = 0.0
    /// First to last counted stroke bottom: (strokes − 1) periods (s).
    public var strokeSeconds = 0.0
    public var cartridgeChangeSeconds = 0.0

    public var sequentialSeconds: Double { hopSeconds + dipSeconds + strokeSeconds + cartridgeChangeSeconds }
    public var overlappedSeconds: Double { sequentialSeconds - hideableHopSeconds }

    /// The bounds for the dots of `schedule`, in its order and with its lift.
    public init(_ schedule: MotionSchedule) {
        let machine = schedule.machine
        var x = schedule.start.xMM
        var y = schedule.start.yMM
        var z = schedule.start.zMM
        var previousAscentWindow = 0.0
        var changes = schedule.cartridgeChanges[...]
        for (index, dot) in schedule.dots.enumerated() {
            while let change = changes.first, change.beforeDot == index {
                cartridgeChangeSeconds += Double(change.end - change.start) / 1_000_000
                z = machine.restingZMM
                previousAscentWindow = 0
                changes = changes.dropFirst()
            }
            let xy: Double
            switch machine.hopExecution {
            case .independentAxes:
                xy = max(
                    RestToRestMove.plannedDuration(distance: dot.xMM - x, limits: machine.x),
                    RestToRestMove.plannedDuration(distance: dot.yMM - y, limits: machine.y))
            case .straightLineAfterRaise:
                let length = ((dot.xMM - x) * (dot.xMM - x) + (dot.yMM - y) * (dot.yMM - y)).squareRoot()
                xy = RestToRestMove.plannedDuration(distance: length, limits: machine.straightLine)
            }
            let raise = dot.hopZMM < z ? RestToRestMove.plannedDuration(distance: z - dot.hopZMM, limits: machine.z) : 0
            let lift = schedule.liftMM
            let descent = dot.hangZMM - dot.hopZMM
            let ascent = dot.hangZMM - dot.liftZMM
            let descentWindow = RestToRestMove.timeToCover(lift, distance: descent, limits: machine.z)
            hopSeconds += xy + raise
            hideableHopSeconds += min(xy, previousAscentWindow + descentWindow)
            dipSeconds +=
                RestToRestMove.plannedDuration(distance: descent, limits: machine.z)
                + RestToRestMove.plannedDuration(distance: ascent, limits: machine.z)
            strokeSeconds += Double(dot.strokes - 1) / (Double(dot.rateCentihertz) / 100)
            previousAscentWindow = RestToRestMove.timeToCover(lift, distance: ascent, limits: machine.z)
            x = dot.xMM
            y = dot.yMM
            z = dot.liftZMM
        }
    }
}
