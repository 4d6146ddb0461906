import Foundation
import SMPWire

extension SimulatedBoard {
    // MARK: Truth

    /// The ground truth so far. Only the simulator's API and the truth file carry this; never the wire.
    public func truth() -> SimulationTruth {
        var totals = summary
        totals.boardTimeMicros = now - powerUpTime
        totals.strayStrokes = strayStrokes.count
        totals.touchOffs = touchOffTruths.count
        totals.touchOffPunctures = touchOffTruths.filter(\.punctured).count
        let punctured = dotTruths.filter { $0.depositDepthMM > 0 }
        let ran = dotTruths.filter { $0.outcome != "rejected" && $0.outcome != "discarded" }
        totals.dotsTooDeep = ran.filter(\.tooDeep).count
        totals.dotsTooShallow = ran.filter(\.tooShallow).count
        totals.meanDepositDepthMM =
            punctured.isEmpty ? 0 : punctured.map(\.depositDepthMM).reduce(0, +) / Double(punctured.count)
        return SimulationTruth(
            seed: setup.seed, skinType: setup.skinType, surface: setup.surface, boardModel: setup.board.model,
            handpieceModel: setup.handpiece.model, cartridges: cartridgeHistory, faultSpec: setup.faultSpec,
            dots: dotTruths, strayStrokes: strayStrokes, touchOffs: touchOffTruths, faults: faultTruths,
            needleClearances: needleClearances, boardClock: setup.clock, summary: totals)
    }

    /// Counters only, cheap: for progress lines and benchmarks.
    public var runningSummary: SimulationSummary {
        var totals = summary
        totals.boardTimeMicros = now - powerUpTime
        totals.strayStrokes = strayStrokes.count
        return totals
    }
}
