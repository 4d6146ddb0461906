import Benchmark
import SMPBoardSim
import SMPDryRun

// Issue 11's measured figures, in virtual time on the curved scalp with the crystal error and USB timing on: how long
// the needle takes to clear the skin after a hold and after the host falls silent (board time, from the simulator's
// truth), and what one lost frame costs. Each sample is one whole session (LatencyExperiment); the percentiles are
// over the samples. The suite asserts the bounds on fewer seeds (Tests/SMPDryRunTests/LatencyTests.swift).

/// Hold and host-loss sessions per benchmark, and the dots of each.
private let sessions: UInt64 = 400
private let dotsPerSession = 40

// Latencies in units of 0.1 ms: the tool prints values of 10,000 and more in thousands, which would hide the
// fractions of a millisecond.
private let holdReach = BenchmarkMetric.custom(
    "hold: latency 0.1 ms, stroke could reach the skin", useScalingFactor: false)
private let holdDip = BenchmarkMetric.custom(
    "hold: latency 0.1 ms, caught in the dip at depth", useScalingFactor: false)
private let holdInSkin = BenchmarkMetric.custom("hold: latency 0.1 ms, tip in the skin", useScalingFactor: false)
private let holdProbing = BenchmarkMetric.custom("hold while probing: latency 0.1 ms", useScalingFactor: false)
private let holdProbingInSkin = BenchmarkMetric.custom(
    "hold while probing: latency 0.1 ms, stroke could reach the skin", useScalingFactor: false)
private let holdHeadroom = BenchmarkMetric.custom(
    "hold: per-event physics bound minus latency us", polarity: .prefersLarger, useScalingFactor: false)
private let hostLossClear = BenchmarkMetric.custom(
    "host loss: last byte to needle clear 0.1 ms", useScalingFactor: false)
private let hostLossReach = BenchmarkMetric.custom(
    "host loss: last byte to needle clear 0.1 ms, stroke could reach the skin", useScalingFactor: false)
private let trainDelay = BenchmarkMetric.custom("lost dot_train frame: extra delay us", useScalingFactor: false)
private let completionsDelay = BenchmarkMetric.custom(
    "lost completions frame: extra delay us", useScalingFactor: false)
private let roundTrip = BenchmarkMetric.custom("host smoothed round trip us", useScalingFactor: false)
private let trainFast = BenchmarkMetric.custom(
    "lost dot_train frames repaired by fast retransmit %", useScalingFactor: false)
private let completionsFast = BenchmarkMetric.custom(
    "lost completions frames repaired by fast retransmit %", useScalingFactor: false)
private let lateDots = BenchmarkMetric.custom("late dots after one lost frame", useScalingFactor: false)

private func setup(seed: UInt64, faults: String = "") -> SimulationSetup {
    do { return try LatencyExperiment.setup(seed: seed, faults: faults) } catch { fatalError("setup: \(error)") }
}

let benchmarks: @Sendable () -> Void = {
    // A hold at a different point of the dot cycle each seed: offsets step by 7.919 ms, so consecutive seeds sweep
    // the hop, the descent, the strokes at depth and the rise.
    Benchmark(
        "Hold: byte arrival to needle clear (board time), \(sessions) sessions",
        configuration: .init(
            metrics: [holdReach, holdDip, holdInSkin, holdHeadroom], timeUnits: .microseconds,
            maxDuration: .seconds(600), maxIterations: 1)
    ) { benchmark in
        for seed in 1...sessions {
            let dots = LatencyExperiment.patch(count: dotsPerSession, seed: seed)
            guard
                let hold = LatencyExperiment.hold(
                    dots: dots, setup: setup(seed: seed), after: 1_000_000 + seed * 7_919),
                let latency = hold.latencyMicros
            else { fatalError("seed \(seed): the hold was not taken or the needle never cleared") }
            guard hold.couldReachSkin(board: .r1) else { continue }
            let tenths = Int((Double(latency) / 100).rounded())
            benchmark.measurement(holdReach, tenths)
            if ["dot.descending", "dot.stroking", "dot.awaitAscent"].contains(hold.activity) {
                benchmark.measurement(holdDip, tenths)
            }
            if hold.tipDepthMM > 0 { benchmark.measurement(holdInSkin, tenths) }
            benchmark.measurement(holdHeadroom, Int(hold.physicsBound(board: .r1)) - Int(latency))
        }
    }

    // A hold while the controller probes the surface: the touch-off's travel, approach and descent.
    Benchmark(
        "Hold while probing: byte arrival to needle clear (board time), 100 sessions",
        configuration: .init(
            metrics: [holdProbing, holdProbingInSkin], timeUnits: .microseconds, maxDuration: .seconds(600),
            maxIterations: 1)
    ) { benchmark in
        for seed in UInt64(1)...100 {
            let dots = LatencyExperiment.patch(count: dotsPerSession, seed: seed)
            guard
                let hold = LatencyExperiment.hold(
                    dots: dots, setup: setup(seed: seed), phase: .probing, after: 1_500_000 + seed * 37_813),
                let latency = hold.latencyMicros
            else { fatalError("seed \(seed): the hold was not taken or the needle never cleared") }
            let tenths = Int((Double(latency) / 100).rounded())
            benchmark.measurement(holdProbing, tenths)
            if hold.couldReachSkin(board: .r1) { benchmark.measurement(holdProbingInSkin, tenths) }
        }
    }

    // The host is lost at a seeded point, a third of the time while probing (touch-offs), else while dots run; odd
    // seeds kill the process, even ones pull the cable.
    Benchmark(
        "Host loss: last byte to needle clear (board time), \(sessions) sessions",
        configuration: .init(
            metrics: [hostLossClear, hostLossReach], timeUnits: .microseconds, maxDuration: .seconds(600),
            maxIterations: 1)
    ) { benchmark in
        for seed in 1...sessions {
            let dots = LatencyExperiment.patch(count: dotsPerSession, seed: seed)
            let probing = seed % 3 == 0
            guard
                let trip = LatencyExperiment.hostLoss(
                    dots: dots, setup: setup(seed: seed), phase: probing ? .probing : .streaming,
                    after: probing ? 200_000 + seed * 9_973 : 1_000_000 + seed * 13_331,
                    how: seed % 2 == 1 ? .killed : .cablePulled),
                let clear = trip.clearBoardTimeMicros, let lastHeard = trip.hostLastHeardBoardTimeMicros
            else { fatalError("seed \(seed): no watchdog trip, or the needle never cleared") }
            let tenths = Int((Double(clear - lastHeard) / 100).rounded())
            benchmark.measurement(hostLossClear, tenths)
            if trip.couldReachSkin(board: .r1) { benchmark.measurement(hostLossReach, tenths) }
        }
    }

    // Exactly one frame lost: a dot train early (in the first burst of trains) or later (sent alone as credit
    // frees), or a completions batch; whole 150-dot sessions.
    Benchmark(
        "One lost frame: extra delay of its content, late dots",
        configuration: .init(
            metrics: [trainDelay, completionsDelay, trainFast, completionsFast, roundTrip, lateDots],
            timeUnits: .microseconds,
            maxDuration: .seconds(600), maxIterations: 1)
    ) { benchmark in
        var repairs: [String: (fast: Int, all: Int)] = [:]
        for seed in UInt64(1)...20 {
            let dots = LatencyExperiment.patch(count: 150, seed: seed)
            for (spec, metric) in [
                ("lose=dot_train#2", trainDelay), ("lose=dot_train#3", trainDelay),
                ("lose=completions#\(1 + seed % 3)", completionsDelay),
            ] {
                let outcome = LatencyExperiment.lostFrame(dots: dots, setup: setup(seed: seed, faults: spec))
                guard let delay = outcome.extraDelayMicros, outcome.finished else {
                    fatalError("seed \(seed) \(spec): frame not lost and redelivered, or session not finished")
                }
                benchmark.measurement(metric, Int(delay))
                let kind = spec.hasPrefix("lose=dot_train") ? "dot_train" : "completions"
                let tally = repairs[kind] ?? (0, 0)
                repairs[kind] = (tally.fast + (outcome.repairedByFastRetransmit ? 1 : 0), tally.all + 1)
                benchmark.measurement(
                    lateDots, outcome.sentPastDeadline + outcome.boardFaults.filter { $0 == "late_command" }.count)
                if let rtt = outcome.hostRoundTripMicros { benchmark.measurement(roundTrip, Int(rtt)) }
            }
        }
        for (kind, metric) in [("dot_train", trainFast), ("completions", completionsFast)] {
            if let tally = repairs[kind], tally.all > 0 { benchmark.measurement(metric, tally.fast * 100 / tally.all) }
        }
    }
}
