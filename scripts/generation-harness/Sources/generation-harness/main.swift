import Foundation
import SMPPlanning

// Usage (from scripts/generation-harness, after `swift build -c release`):
//   .build/release/generation-harness time [RUNS] [one-core|all-cores]  best and median time on the benchmark plan
//   .build/release/generation-harness hash                              a hash of the dots of the benchmark plan
//                                                                       and the examples (same hash = same dots)
//   .build/release/generation-harness quality                           rho and density on uniform squares
// For instruction counts: valgrind --tool=cachegrind .build/release/generation-harness time 1 one-core

/// The region of PlanningBenchmarks' generation benchmark.
let benchmarkPlan = """
    {"format": "smpctl-plan/1", "seed": 1,
     "regions": [{"name": "front", "kind": "hairline", "polygon": [[10,10],[190,10],[190,190],[10,190]],
                  "density": 150, "profile": "thin"}],
     "hairline": {"polyline": [[10,10],[100,14],[190,10]], "transition_mm": 30,
                  "macro": {"amplitude_mm": 4, "wavelength_mm": 30}, "sentinels_per_100mm": 4}}
    """
let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Examples")

func plan(_ text: String) throws -> Plan { try PlanLoader.parse(Data(text.utf8), file: "harness.json", directory: nil) }

func square(side: Double, sessions: Int, seed: Int) -> String {
    """
    {"format": "smpctl-plan/1", "seed": \(seed), "session": {"index": 1, "of": \(sessions)},
     "regions": [{"name": "all", "kind": "density",
                  "polygon": [[50,50],[\(50 + side),50],[\(50 + side),\(50 + side)],[50,\(50 + side)]],
                  "density": 100, "profile": "fitzpatrick-1-3"}]}
    """
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch arguments.first ?? "time" {
case "time":
    let runs = arguments.count > 1 ? Int(arguments[1]) ?? 8 : 8
    let parallel = arguments.count > 2 ? arguments[2] != "one-core" : true
    let p = try plan(benchmarkPlan)
    var times: [Double] = []
    var count = 0
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        count = try DotGenerator.generate(p, parallel: parallel).count
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    times.sort()
    let best = times[0]
    let median = times[times.count / 2]
    print(
        "\(count) dots, \(parallel ? "all cores" : "one core"): best \(String(format: "%.1f", best * 1000)) ms,"
            + " median \(String(format: "%.1f", median * 1000)) ms"
            + " (\(Int(Double(count) / best)) / \(Int(Double(count) / median)) dots/s)")
case "hash":
    var plans = [("benchmark plan", try plan(benchmarkPlan))]
    for name in ["norwood5", "scar-coverage", "quick"] {
        plans.append((name, try PlanLoader.load(contentsOf: examples.appendingPathComponent("\(name).json"))))
    }
    for (name, p) in plans {
        let dots = try DotGenerator.generate(p)
        // FNV-1a over every dot's bits, session and region.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for dot in dots {
            for word in [
                dot.position.x.bitPattern, dot.position.y.bitPattern, UInt64(dot.session), UInt64(dot.regionIndex),
            ] {
                hash = (hash ^ word) &* 0x100_0000_01b3
            }
        }
        print("\(name): \(dots.count) dots, \(String(hash, radix: 16))")
    }
case "quality":
    for side in [40.0, 100.0] {
        for seed in [1, 2, 3, 7] {
            let area = side * side
            let single = try DotGenerator.generate(try plan(square(side: side, sessions: 1, seed: seed)))
            let layered = try DotGenerator.generate(try plan(square(side: side, sessions: 3, seed: seed)))
            var line = String(
                format: "%3.0f mm, seed %d: single rho %.3f (%.1f dots/cm2); sessions", side, seed,
                PatternMetrics.relativeRadius(single.map(\.position), area: area), Double(single.count) / area * 100)
            for k in 1...3 {
                let prefix = layered.filter { $0.session <= k }.map(\.position)
                line += String(
                    format: " %.3f (%.1f)", PatternMetrics.relativeRadius(prefix, area: area),
                    Double(prefix.count) / area * 100)
            }
            print(line)
        }
    }
default:
    print("usage: generation-harness time [RUNS] [one-core|all-cores] | hash | quality")
}
