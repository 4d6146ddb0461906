import Foundation
import SMPBoardSim
import SMPControl
import SMPDryRun
import SMPHardware
import SMPPlanning
import Testing

/// The dry run end to end in-process: plan, controller, simulated board over wire bytes, grading.
@Suite struct DryRunTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func plan(_ name: String) throws -> PlanResult {
        let plan = try PlanLoader.load(contentsOf: packageRoot.appendingPathComponent("Examples/\(name)"))
        return try Planner.run(plan)
    }

    @Test func quickPlanRunsCleanOnTheCurvedScalp() throws {
        let result = try Self.plan("quick.json")
        var options = DryRunOptions(skin: .fitzpatrick1to3)
        options.seed = 3
        let report = try DryRun.run(result, options: options)
        try #require(report.dotsPlanned > 0)
        #expect(report.outcome == "finished", "\(report.outcome) \(report.faults)")
        #expect(report.dotsDone == report.dotsPlanned)
        #expect(report.dotsDuplicated == 0)
        #expect(report.lateCommands == 0)
        #expect(report.touchOffs > 0)
        #expect(abs(report.machineTimeS - report.estimatedTimeS) <= 0.005 * report.machineTimeS)
        #expect(report.strokeRateErrorMaxPct <= 2)
    }
}
