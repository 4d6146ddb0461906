import Foundation

/// What planning gives `smpctl plan`: the whole pattern, this session's dots in visiting order, counts and travel
/// (the time estimate is SMPMotion's schedule of these dots).
public struct PlanResult: Sendable {
    public var plan: Plan
    /// Every session's dots, in id order.
    public var allDots: [PlannedDot]
    /// The dots of `plan.session.index`, in visiting order.
    public var sessionDots: [PlannedDot]
    /// counts[region][session - 1]: dots per region and session, all sessions.
    public var counts: [[Int]]
    public var travelMM: Double
    /// True if the ordering's wall-clock safety cutoff fired (the order is then valid but maybe not reproducible).
    public var orderingStoppedByClock: Bool
    public var needleChanges: Int
    /// Changes of pigment between consecutive dots where the needle stays (each is a cartridge change too).
    public var pigmentChanges: Int = 0
    /// What the operator loads before the session and changes during it, in visiting order.
    public var steps: [OperatorStep] = []
}

/// An operator step: before the dot at `beforeDot` (0-based position in the visiting order), load a cartridge with
/// this needle and pigment. The first step (before dot 0) is the session's first cartridge.
public struct OperatorStep: Sendable, Equatable {
    public var beforeDot: Int
    public var needle: String
    public var pigment: PigmentChoice?
}

/// Plan file in, ordered dots out: validation, generation, ordering.
public enum Planner {
    /// Runs the whole planning pipeline on a validated plan.
    public static func run(_ plan: Plan, options: TourOptimizer.Options = TourOptimizer.Options()) throws -> PlanResult
    {
        let all = try DotGenerator.generate(plan)
        var counts = [[Int]](repeating: [Int](repeating: 0, count: plan.session.count), count: plan.regions.count)
        for dot in all where dot.session >= 1 && dot.session <= plan.session.count {
            counts[dot.regionIndex][dot.session - 1] += 1
        }
        let mine = all.filter { $0.session == plan.session.index }
        guard !mine.isEmpty else {
            throw PlanError(
                file: plan.file, location: "session.index",
                reason:
                    "session \(plan.session.index) of \(plan.session.count) has no dots; expected a session with dots")
        }
        let ordered = VisitOrderer.order(mine, regions: plan.regions, options: options)
        var changes = 0
        var pigmentChanges = 0
        var steps: [OperatorStep] = []
        for (k, dot) in ordered.dots.enumerated() {
            let region = plan.regions[dot.regionIndex]
            let step = OperatorStep(
                beforeDot: k, needle: region.needle.name, pigment: region.pigment(session: dot.session))
            guard let last = steps.last else {
                steps.append(step)
                continue
            }
            guard last.needle != step.needle || last.pigment != step.pigment else { continue }
            if last.needle != step.needle { changes += 1 } else { pigmentChanges += 1 }
            steps.append(step)
        }
        return PlanResult(
            plan: plan, allDots: all, sessionDots: ordered.dots, counts: counts, travelMM: ordered.travelMM,
            orderingStoppedByClock: ordered.stoppedByClock, needleChanges: changes,
            pigmentChanges: pigmentChanges, steps: steps)
    }
}
