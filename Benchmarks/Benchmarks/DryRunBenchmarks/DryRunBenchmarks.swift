import Benchmark
import Foundation
import SMPBoardSim
import SMPControl
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

/// CPU time of the calling thread (ns): on the shared 2-core machine other builds stretch the wall clock, not this.
func threadCPUNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

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
            metrics: [.wallClock, .custom("sim_speedup"), .custom("sim_speedup_cpu"), .custom("dots_done")],
            timeUnits: .seconds, maxDuration: .seconds(600), maxIterations: 1)
    ) { benchmark in
        var options = DryRunOptions(skin: .fitzpatrick1to3)
        options.seed = 4
        let report: DryRunReport
        let cpuStart = threadCPUNanoseconds()
        do { report = try DryRun.run(result, options: options) } catch { fatalError("dry run: \(error)") }
        let cpu = Double(threadCPUNanoseconds() - cpuStart) / 1e9
        benchmark.measurement(.custom("sim_speedup"), Int(report.simSpeedup.rounded()))
        // Simulated seconds per second of this thread's CPU: the speed-up on an otherwise idle core.
        benchmark.measurement(.custom("sim_speedup_cpu"), Int((report.sessionTimeS / cpu).rounded()))
        benchmark.measurement(.custom("dots_done"), report.dotsDone)
    }

    // The host side alone: the same session's controller (clock sync, probing, scheduling every dot, packing and
    // encoding every train, decoding every board frame, the accounting) fed the board's bytes as they came in a
    // recorded run, at the same host times, so the simulator's CPU is not counted. The replay is checked to make
    // the controller write exactly the recorded bytes. Custom metrics: wall and thread-CPU time per dot in
    // nanoseconds (target < 5,000).
    var options = DryRunOptions(skin: .fitzpatrick1to3)
    options.seed = 4
    let dots = ControlDot.dots(of: result)
    let setup = DryRun.simulationSetup(options: options, seed: options.seed)
    let recorded = DryRun.recordedSession(dots: dots, setup: setup, options: options)
    precondition(recorded.controller.state == .finished, "the recorded session did not finish")
    Benchmark(
        "Host only: controller over a replayed board stream, 20,000-dot plan",
        configuration: .init(
            metrics: [
                .wallClock, .cpuTotal, .custom("host_ns_per_dot"), .custom("host_cpu_ns_per_dot"), .custom("dots"),
            ],
            timeUnits: .milliseconds,
            maxDuration: .seconds(60), maxIterations: 10)
    ) { benchmark in
        let start = ContinuousClock.now
        let cpuStart = threadCPUNanoseconds()
        var driver = ControllerDriver(
            controller: DryRun.controller(dots: dots, setup: setup, options: options),
            transport: ReplayTransport(arrivals: recorded.transport.arrivals))
        driver.run(limit: DryRun.timeLimit(dots: dots, options: options))
        let elapsed = ContinuousClock.now - start
        let cpu = threadCPUNanoseconds() - cpuStart
        precondition(
            driver.transport.written == recorded.transport.hostToBoard && driver.controller.state == .finished,
            "the replay diverged from the recording")
        let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) * 1e-9
        benchmark.measurement(.custom("host_ns_per_dot"), Int((nanoseconds / Double(dots.count)).rounded()))
        benchmark.measurement(.custom("host_cpu_ns_per_dot"), Int(cpu) / dots.count)
        benchmark.measurement(.custom("dots"), dots.count)
    }
}
