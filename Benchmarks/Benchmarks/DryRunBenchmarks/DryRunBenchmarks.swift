import Benchmark
import Foundation
import SMPBoardSim
import SMPDryRun
import SMPPlanning

/// A 140 x 143 mm patch at 100 dots/cm² in one session: about 20,000 dots, the size of a full head's session.
private let bigPlan = """
    {
      "format": "smpctl-plan/1",
      "name": "dry-run benchmark",
      "description": "A 140 x 143 mm patch at 100 dots/cm2 in one session: about 20,000 dots.",
      "seed": 1,
      "session": {"index": 1, "of": 1},
      "regions": [
        {
          "name": "patch", "kind": "density", "polygon": [[30, 30], [170, 30], [170, 173], [30, 173]],
          "density": 100, "needle": "3RL", "profile": "fitzpatrick-1-3"
        }
      ]
    }
    """

let benchmarks: @Sendable () -> Void = {
    let result: PlanResult
    do {
        let plan = try PlanLoader.parse(Data(bigPlan.utf8), file: "dry-run-benchmark.json", directory: nil)
        result = try Planner.run(plan)
    } catch {
        fatalError("benchmark setup: \(error)")
    }

    // The whole dry run (probing, streaming, grading) on the curved scalp with the crystal and USB timing on.
    // Custom metrics: the simulated seconds per wall second (target >= 3,000) and the dots.
    Benchmark(
        "Dry run, 20,000-dot plan, curved scalp",
        configuration: .init(
            metrics: [.wallClock, .custom("sim_speedup"), .custom("dots_done")],
            timeUnits: .seconds, maxDuration: .seconds(600), maxIterations: 1)
    ) { benchmark in
        var options = DryRunOptions(skin: .fitzpatrick1to3)
        options.seed = 4
        let report: DryRunReport
        do { report = try DryRun.run(result, options: options) } catch { fatalError("dry run: \(error)") }
        benchmark.measurement(.custom("sim_speedup"), Int(report.simSpeedup.rounded()))
        benchmark.measurement(.custom("dots_done"), report.dotsDone)
    }
}
