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
        // The last records come with the status the host asks for after the last dot, not after the board's 6 s
        // batching delay.
        #expect(report.sessionTimeS - report.probingTimeS - report.machineTimeS < 1.0)
    }

    /// A faulted link and board over several seeds: never a duplicated dot, and every planned dot done or listed
    /// as uncertain or skipped with its reason.
    @Test(arguments: [1, 2, 3] as [UInt64])
    func faultedRunAccountsForEveryDot(seed: UInt64) throws {
        let result = try Self.plan("quick.json")
        var options = DryRunOptions(skin: .fitzpatrick1to3)
        options.seed = seed
        options.faults = "corrupt=1e-4,drop=1e-3,disconnect=20s+2s,reset=24s"
        let report = try DryRun.run(result, options: options)
        try #require(report.dotsPlanned > 0)
        #expect(report.dotsDuplicated == 0)
        #expect(report.dotsDone + report.dotsUncertain + report.dotsSkipped == report.dotsPlanned)
        #expect(report.notDone.count == report.dotsUncertain + report.dotsSkipped)
        #expect(report.notDone.allSatisfy { !$0.reason.isEmpty })
        #expect(report.outcome != "finished" || report.dotsDone == report.dotsPlanned)
    }

    /// Hold while probing and resume: the touch-off in progress is held and done again, no touch-off goes out
    /// while held, and the session still finishes with every dot done and nothing late.
    @Test func holdAndResumeWhileProbing() throws {
        let dots = LatencyExperiment.patch(count: 30, seed: 5)
        let controller = SessionController(dots: dots, board: .r1, handpiece: .rotaryR1)
        let setup = try LatencyExperiment.setup(seed: 5)
        var driver = ControllerDriver(controller: controller, transport: DryRunTransport(setup: setup))
        var heldAt: UInt64?
        var resumedAt: UInt64?
        var touchOffsWhenHeld = 0
        var touchOffsWhileHeld = 0
        driver.run(limit: 200_000_000) { driver in
            let now = driver.transport.now
            guard case .armed = driver.controller.state, let started = driver.controller.probingStartedAt else {
                return nil
            }
            if heldAt == nil, now >= started + 1_500_000 {
                heldAt = now
                touchOffsWhenHeld = driver.controller.touchOffs.count
                return .hold
            }
            if let held = heldAt, resumedAt == nil {
                touchOffsWhileHeld = driver.controller.touchOffs.count - touchOffsWhenHeld
                if now >= held + 1_000_000 {
                    resumedAt = now
                    return .resume
                }
            }
            return nil
        }
        try #require(heldAt != nil && resumedAt != nil)
        let truth = driver.transport.truth
        let hold = try #require(truth.needleClearances.first { $0.cause == "hold" })
        #expect(hold.activity.hasPrefix("touch_off"))
        // At most the touch-off the hold caught finishing as it arrived; nothing new was sent while held.
        #expect(touchOffsWhileHeld <= 1)
        #expect(driver.controller.state == .finished, "\(driver.controller.state)")
        #expect(driver.controller.accounting.done == dots.count)
        #expect(truth.faults.isEmpty, "\(truth.faults)")
        #expect(!truth.touchOffs.contains { $0.punctured })
    }

    /// Hold mid-session and resume: every dot still done, nothing late.
    @Test func holdAndResume() throws {
        let result = try Self.plan("quick.json")
        let dots = ControlDot.dots(of: result)
        let controller = SessionController(dots: dots, board: .r1, handpiece: .rotaryR1)
        let setup = SimulationSetup(board: .r1, skinType: .fitzpatrick1to3, seed: 5)
        var driver = ControllerDriver(
            controller: controller, transport: DryRunTransport(setup: setup))
        var heldAt: UInt64?
        var resumed = false
        driver.run(limit: 200_000_000) { driver in
            let now = driver.transport.now
            if case .running = driver.controller.state, heldAt == nil, driver.controller.accounting.done >= 20 {
                heldAt = now
                return .hold
            }
            if case .holding = driver.controller.state, let held = heldAt, now >= held + 2_000_000, !resumed {
                resumed = true
                return .resume
            }
            return nil
        }
        try #require(heldAt != nil && resumed)
        #expect(driver.controller.state == .finished, "\(driver.controller.state)")
        #expect(driver.controller.accounting.done == dots.count)
        let truth = driver.transport.truth
        #expect(!truth.faults.contains { $0.code == "late_command" })
        #expect(Set(truth.dots.map(\.dotID)).count == truth.dots.count)
    }
}
