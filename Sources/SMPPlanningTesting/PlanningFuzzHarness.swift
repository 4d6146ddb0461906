import Foundation
import SMPHardware
import SMPPlanning

/// What the plan-loader and SVG-importer fuzz targets do with one input, and what the test suite replays over
/// their kept corpus (Tests/SMPPlanningTests/Corpus). An input may be refused, but only with a `PlanError`: any
/// other error traps, so that libFuzzer records it. Crashes, hangs and memory beyond libFuzzer's limits
/// (`-timeout`, `-rss_limit_mb`, Fuzz/run.sh) are findings too.
public enum PlanningFuzzHarness {
    /// Plans whose estimated dots are at most this many are also generated and ordered: generation is where
    /// memory and time grow, and small plans keep the fuzzer fast.
    public static let generationBudget = 5_000.0

    /// A board as long as the loader allows, so that shapes the fuzzer draws anywhere reach the geometry checks.
    public static let board: BoardDefinition = {
        var board = BoardDefinition.r1
        board.axes.x.travelMM = 10_000
        board.axes.y.travelMM = 10_000
        return board
    }()

    /// One plan file. Relative `svg` and `board` names resolve against an empty directory.
    public static func runPlan(_ bytes: [UInt8]) {
        let plan: Plan
        do {
            plan = try PlanLoader.parse(Data(bytes), file: "fuzz.json", directory: emptyDirectory, board: board)
        } catch is PlanError {
            return
        } catch {
            fatalError("PlanLoader.parse threw a non-PlanError: \(error)")
        }
        let estimate = plan.regions.reduce(0.0) { $0 + $1.shape.area / 100 * $1.densityPerCM2 }
        guard estimate <= generationBudget, (plan.explicitDots?.count ?? 0) <= Int(generationBudget) else { return }
        do {
            let result = try Planner.run(plan)
            precondition(result.sessionDots.allSatisfy { $0.session == plan.session.index })
        } catch is PlanError {
            return
        } catch {
            fatalError("Planner.run threw a non-PlanError: \(error)")
        }
    }

    /// One SVG file: parsed, and every shape in it taken as a region (validated as a plan would) and as a line.
    public static func runSVG(_ bytes: [UInt8]) {
        let document: SVGDocument
        do {
            document = try SVGDocument.parse(Data(bytes), file: "fuzz.svg", toleranceMM: 0.05)
        } catch is PlanError {
            return
        } catch {
            fatalError("SVGDocument.parse threw a non-PlanError: \(error)")
        }
        for id in document.shapes.keys.sorted().prefix(64) {
            do {
                let shape = try document.region(id: id, file: "fuzz.svg")
                try PlanLoader.validate(shape, board: board) {
                    PlanError(file: "fuzz.svg", location: "svg#\(id)", reason: $0)
                }
                _ = shape.area
            } catch is PlanError {
            } catch {
                fatalError("region \(id) threw a non-PlanError: \(error)")
            }
            do {
                _ = try document.polyline(id: id, file: "fuzz.svg")
            } catch is PlanError {
            } catch {
                fatalError("polyline \(id) threw a non-PlanError: \(error)")
            }
        }
    }

    private static let emptyDirectory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "smpctl-fuzz-empty-\(getpid())", isDirectory: true)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()
}
