import Benchmark
import Foundation
import SMPPlanning

/// Planning benchmarks: generation speed on a variable-density (hairline) region (on all cores and on one), pattern
/// quality, ordering of 2,000 and 100,000 blue-noise dots, and the whole `smpctl plan` pipeline on a
/// Norwood-5-sized plan; and the worst untrusted inputs (UntrustedInputBenchmarks.swift). Figures:
/// Docs/Performance.md.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .throughput], timeUnits: .milliseconds, maxDuration: .seconds(10),
        maxIterations: 20)

    // 180 x 180 mm hairline region at 150 dots/cm2 behind a wavy line: the density varies across a third of it.
    let variableDensityPlan = """
        {"format": "smpctl-plan/1", "seed": 1,
         "regions": [{"name": "front", "kind": "hairline", "polygon": [[10,10],[190,10],[190,190],[10,190]],
                      "density": 150, "profile": "thin"}],
         "hairline": {"polyline": [[10,10],[100,14],[190,10]], "transition_mm": 30,
                      "macro": {"amplitude_mm": 4, "wavelength_mm": 30}, "sentinels_per_100mm": 4}}
        """
    let uniformPlan = """
        {"format": "smpctl-plan/1", "seed": 2,
         "regions": [{"name": "all", "kind": "density", "polygon": [[0,0],[200,0],[200,200],[0,200]],
                      "density": 125, "profile": "fitzpatrick-1-3"}]}
        """
    /// The benchmark plans are constants: a plan that does not load is a bug in this file, so stop loudly rather
    /// than time nothing.
    func load(_ text: String) -> Plan? {
        do {
            return try PlanLoader.parse(Data(text.utf8), file: "bench.json", directory: nil)
        } catch {
            fatalError("PlanningBenchmarks: benchmark plan does not load: \(error)")
        }
    }

    // One run first to learn the dot count, so that throughput is in dots per second (scaled by the count).
    let variableCount = load(variableDensityPlan).flatMap { try? DotGenerator.generate($0).count } ?? 1
    Benchmark(
        "Generate variable-density region (\(variableCount) dots)",
        configuration: .init(scalingFactor: .one)
    ) { benchmark in
        guard let plan = load(variableDensityPlan) else { return }
        benchmark.startMeasurement()
        let dots = try? DotGenerator.generate(plan)
        benchmark.stopMeasurement()
        blackHole(dots)
    }

    // The same on one core: the strips run in the same order on the calling thread (identical dots).
    Benchmark(
        "Generate variable-density region on one core (\(variableCount) dots)",
        configuration: .init(scalingFactor: .one)
    ) { benchmark in
        guard let plan = load(variableDensityPlan) else { return }
        benchmark.startMeasurement()
        let dots = try? DotGenerator.generate(plan, parallel: false)
        benchmark.stopMeasurement()
        blackHole(dots)
    }

    // Pattern quality on a uniform 100 x 100 mm region at 100 dots/cm2, one sample per seed 1...4: the relative
    // radius rho = (d_min / 2) / r_max (Lagae & Dutre 2008) of a single-session pattern and of each session prefix
    // of a 3-session one, in thousandths, and the realised density's worst error in per mille of the request.
    let qualityMetrics: [BenchmarkMetric] = [
        .custom("rho x1000, single session"), .custom("rho x1000, session 1 of 3 (30 %)"),
        .custom("rho x1000, sessions 1-2 of 3 (70 %)"), .custom("rho x1000, sessions 1-3 of 3 (100 %)"),
        .custom("density error per mille, worst of the seed's patterns"),
    ]
    Benchmark(
        "Pattern quality: uniform 100 x 100 mm at 100 dots/cm2, seeds 1-4",
        configuration: .init(metrics: qualityMetrics, maxIterations: 1)
    ) { benchmark in
        func square(seed: Int, sessions: Int) -> String {
            """
            {"format": "smpctl-plan/1", "seed": \(seed), "session": {"index": 1, "of": \(sessions)},
             "regions": [{"name": "all", "kind": "density", "polygon": [[50,50],[150,50],[150,150],[50,150]],
                          "density": 100, "profile": "fitzpatrick-1-3"}]}
            """
        }
        let area = 100.0 * 100.0
        func rho(_ points: [Point]) -> Int {
            Int((PatternMetrics.relativeRadius(points, area: area) * 1000).rounded())
        }
        for seed in 1...4 {
            guard let single = load(square(seed: seed, sessions: 1)).flatMap({ try? DotGenerator.generate($0) }),
                let layered = load(square(seed: seed, sessions: 3)).flatMap({ try? DotGenerator.generate($0) })
            else { fatalError("PlanningBenchmarks: the quality plans do not generate") }
            benchmark.measurement(qualityMetrics[0], rho(single.map(\.position)))
            var worstError = abs(Double(single.count) - area) / area
            for (k, fraction) in [0.3, 0.7, 1.0].enumerated() {
                let prefix = layered.filter { $0.session <= k + 1 }.map(\.position)
                benchmark.measurement(qualityMetrics[k + 1], rho(prefix))
                worstError = max(worstError, abs(Double(prefix.count) - area * fraction) / (area * fraction))
            }
            benchmark.measurement(qualityMetrics[4], Int((worstError * 1000).rounded()))
        }
    }

    // 100,000 blue-noise dots: the uniform 200 x 200 mm pattern (50,000 dots) and a copy shifted 200 mm in x.
    let pattern = load(uniformPlan).flatMap { try? DotGenerator.generate($0) }.map { $0.map(\.position) } ?? []
    let hundredThousand = Array((pattern + pattern.map { Point($0.x + 200, $0.y) }).prefix(100_000))
    Benchmark("Order \(hundredThousand.count) blue-noise dots") { benchmark in
        benchmark.startMeasurement()
        let result = TourOptimizer.order(hundredThousand, start: Point(0, 0))
        benchmark.stopMeasurement()
        blackHole(result)
    }

    let twoThousand = pattern.filter { $0.x < 44.7 && $0.y < 36 }
    Benchmark("Order \(twoThousand.count) blue-noise dots") { _ in
        blackHole(TourOptimizer.order(twoThousand, start: Point(0, 0)))
    }

    let norwood = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Examples/norwood5.json")
    Benchmark("Plan Examples/norwood5.json (load, 3 sessions, order session 1)") { _ in
        guard let plan = try? PlanLoader.load(contentsOf: norwood) else { return }
        blackHole(try? Planner.run(plan))
    }

    untrustedInputBenchmarks()
}
