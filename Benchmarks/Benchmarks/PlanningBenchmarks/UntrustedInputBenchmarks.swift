import SMPHardware
import Benchmark
import Foundation
import SMPPlanning
import SMPPlanningTesting

/// The worst inputs the planning limits admit, and the attacks just beyond them that must be refused at once
/// (`AdversarialInputs`, Docs/PlanFormat.md "Limits"). Figures: Docs/Performance.md.
func untrustedInputBenchmarks() {
    let single: Benchmark.Configuration = .init(
        metrics: [.wallClock, .peakMemoryResident], timeUnits: .milliseconds, maxDuration: .seconds(20),
        maxIterations: 5)
    func refusal(_ body: () throws -> Void) {
        do {
            try body()
            fatalError("UntrustedInputBenchmarks: an input that must be refused was accepted")
        } catch is PlanError {
        } catch {
            fatalError("UntrustedInputBenchmarks: \(error)")
        }
    }

    let lapped = Data(AdversarialInputs.plan(AdversarialInputs.lappedRectangle(vertices: 100_000)).utf8)
    Benchmark("Refuse a 100,000-vertex polygon lapping one rectangle", configuration: single) { _ in
        refusal { _ = try PlanLoader.parse(lapped, file: "bench.json", directory: nil) }
    }

    let comb = Data(AdversarialInputs.plan(AdversarialInputs.comb(), density: 20).utf8)
    Benchmark("Validate the largest admitted region (100,000-vertex comb)", configuration: single) { _ in
        blackHole(try? PlanLoader.parse(comb, file: "bench.json", directory: nil))
    }
    Benchmark("Plan the largest admitted region (100,000-vertex comb)", configuration: single) { _ in
        guard let plan = try? PlanLoader.parse(comb, file: "bench.json", directory: nil) else {
            fatalError("UntrustedInputBenchmarks: the comb does not load")
        }
        blackHole(try? Planner.run(plan))
    }

    for (name, d) in [
        ("800 overlapping curves as subpaths", AdversarialInputs.overlappingCurves(800, joined: false)),
        ("800 overlapping curves in one subpath", AdversarialInputs.overlappingCurves(800, joined: true)),
        ("a 3.4 MB zigzag path", AdversarialInputs.zigzagPath(points: 250_000)),
    ] {
        let svg = Data(AdversarialInputs.svg(path: d).utf8)
        Benchmark("Refuse an SVG region: \(name)", configuration: single) { _ in
            refusal {
                let document = try SVGDocument.parse(svg, file: "bench.svg", toleranceMM: 0.05)
                let shape = try document.region(id: "s", file: "bench.svg")
                try PlanLoader.validate(shape, board: .r1) { PlanError(file: "bench.svg", location: "", reason: $0) }
            }
        }
    }

    // The dot limit: 1,000,000 dots over a 1 m2 board (1,000 x 1,000 mm at 100 dots/cm2), one session.
    var wide = BoardDefinition.r1
    wide.axes.x.travelMM = 1_000
    wide.axes.y.travelMM = 1_000
    let million = Data(
        AdversarialInputs.plan([Point(0, 0), Point(1_000, 0), Point(1_000, 1_000), Point(0, 1_000)], density: 100)
            .utf8)
    Benchmark(
        "Generate the dot limit (1,000,000 dots over 1 m2)",
        configuration: .init(
            metrics: [.wallClock, .peakMemoryResident], timeUnits: .milliseconds, maxDuration: .seconds(60),
            maxIterations: 2)
    ) { _ in
        guard let plan = try? PlanLoader.parse(million, file: "bench.json", directory: nil, board: wide) else {
            fatalError("UntrustedInputBenchmarks: the million-dot plan does not load")
        }
        blackHole(try? DotGenerator.generate(plan))
    }
}
