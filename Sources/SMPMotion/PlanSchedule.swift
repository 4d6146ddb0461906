import SMPHardware
import SMPPlanning

extension MotionDot {
    /// The dots of a plan's session in visiting order, each with its region's hang (the depth past the measured
    /// surface), strokes, stroke rate and cartridge: the needle group and the pigment loaded in it, so that a change
    /// of either is the operator step it is (Docs/PlanFormat.md, "Pigment").
    public static func dots(of result: PlanResult) -> [MotionDot] {
        let regions = result.plan.regions
        return result.sessionDots.map { dot in
            let region = regions[dot.regionIndex]
            let pigment = region.pigment(session: dot.session).map { " \($0.label)" } ?? ""
            return MotionDot(
                id: dot.id, xMM: dot.position.x, yMM: dot.position.y, localHangMM: region.hangMM,
                strokes: region.strokesPerDot, rateHz: region.profile.plannedStrokeRateHz,
                cartridge: region.needle.name + pigment)
        }
    }
}

extension MotionSchedule {
    /// The schedule of a planned session on the plan's board with `handpiece`, from power-up with the head at
    /// (0, 0), on a flat surface (a plan does not know the patient's surface; the hop height over a curved scalp adds
    /// a few milliseconds where the skin rises along a hop). This is `smpctl plan`'s estimate.
    public static func forPlan(_ result: PlanResult, handpiece: HandpieceDefinition = .rotaryR1) throws(MotionError)
        -> MotionSchedule
    {
        let machine = MotionMachine(board: result.plan.board, handpiece: handpiece)
        return try MotionScheduler(machine: machine, surface: FlatSurface()).schedule(
            MotionDot.dots(of: result), from: .powerUp(machine: machine))
    }
}
