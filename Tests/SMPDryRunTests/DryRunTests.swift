import Foundation
import SMPBoardSim
import SMPControl
import SMPHardware
import SMPPlanning
import SMPReport
import SMPRun
import Testing

@testable import SMPDryRun

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
        var resumedAt: UInt64?
        // The board's true clock at each press, against which the controller's logged estimate is checked.
        var boardAtPress: [UInt64] = []
        driver.run(limit: 200_000_000) { driver in
            let now = driver.transport.now
            if case .running = driver.controller.state, heldAt == nil, driver.controller.accounting.done >= 20 {
                heldAt = now
                boardAtPress.append(driver.transport.boardNow)
                return .hold
            }
            if case .holding = driver.controller.state, let held = heldAt, now >= held + 2_000_000, resumedAt == nil {
                resumedAt = now
                boardAtPress.append(driver.transport.boardNow)
                return .resume
            }
            return nil
        }
        let (held, resumed) = (try #require(heldAt), try #require(resumedAt))
        // The event log has both presses at their host times, with the clock fit's board time within the fit's
        // margin of the truth, and the schedule time stopped while held.
        let log = driver.controller.eventLog
        try #require(log.count == 2)
        #expect(log.map(\.kind) == [.hold, .resume])
        #expect(log.map(\.hostMicros) == [held, resumed])
        for (event, truth) in zip(log, boardAtPress) {
            let board = try #require(event.boardMicros)
            #expect(abs(Double(board) - Double(truth)) < 1_000, "\(event.kind): \(board) vs \(truth)")
            #expect(try #require(event.scheduleMicros) <= board)
        }
        #expect(driver.controller.state == .finished, "\(driver.controller.state)")
        #expect(driver.controller.accounting.done == dots.count)
        let truth = driver.transport.truth
        #expect(!truth.faults.contains { $0.code == "late_command" })
        #expect(Set(truth.dots.map(\.dotID)).count == truth.dots.count)
    }

    /// Holds asked for by time: the one asked for while probing waits for the dots, the other is pressed at its time;
    /// each is resumed after its duration, the report's events carry both clocks and its hold spans pair them.
    @Test func simulatedHoldsArePressedAndReported() throws {
        let result = try Self.plan("quick.json")
        var options = DryRunOptions(skin: .fitzpatrick1to3)
        options.seed = 2
        options.holds = [
            SimulatedHold(atMicros: 20_000_000, durationMicros: 3_000_000),
            SimulatedHold(atMicros: 1_000_000, durationMicros: 2_000_000),
        ]
        let report = try DryRun.run(result, options: options)
        #expect(report.outcome == "finished", "\(report.outcome)")
        #expect(report.dotsDone == report.dotsPlanned)
        #expect(report.lateCommands == 0)
        let events = report.events
        try #require(events.map(\.kind) == [.hold, .resume, .hold, .resume], "\(events)")
        #expect(events == report.record.events)
        // Probing takes several seconds: the first hold came when the dots began, long after 1 s.
        #expect(events[0].sessionTimeS > 1 + report.probingTimeS / 2)
        // The driver looks at least every 50 ms of host time.
        #expect((20.0..<20.06).contains(events[2].sessionTimeS), "\(events[2])")
        for (hold, resume, length) in [(events[0], events[1], 2.0), (events[2], events[3], 3.0)] {
            #expect((length..<length + 0.06).contains(resume.sessionTimeS - hold.sessionTimeS))
            // Board and host clocks run within 100 ppm of each other.
            let board = try #require(resume.timeS) - (try #require(hold.timeS))
            #expect(abs(board - (resume.sessionTimeS - hold.sessionTimeS)) < 0.001)
        }
        let spans = report.record.holdSpans
        #expect(spans.map(\.startS) == [events[0].timeS, events[2].timeS])
        #expect(spans.map(\.endS) == [events[1].timeS, events[3].timeS])
    }

    @Test(
        arguments: [
            ("12", 12_000_000, 5_000_000), ("0.5+2.25", 500_000, 2_250_000),
            ("86400+3600", 86_400_000_000, 3_600_000_000),
        ] as [(String, UInt64, UInt64)])
    func holdTextParses(text: String, at: UInt64, duration: UInt64) throws {
        #expect(try SimulatedHold(parsing: text) == SimulatedHold(atMicros: at, durationMicros: duration))
    }

    @Test(arguments: ["", "x", "-1", "nan", "inf", "86401", "5+0", "5+", "5+-1", "5+3601", "+5", "5+2+1", " 5"])
    func badHoldTextIsRefusedNamingTheForm(text: String) {
        #expect {
            _ = try SimulatedHold(parsing: text)
        } throws: { error in
            let message = (error as? DryRunError)?.message ?? ""
            return message.hasPrefix("\"\(text)\": expected SECONDS[+DURATION]") && !message.contains("\n")
        }
    }

    /// An operator step logged by the controller reaches the report as a labelled event of its kind, on the
    /// timeline's axis; an event from before the clock fit has no place on it.
    @Test func operatorStepsAndUnfittedEventsMapToTheReport() {
        let step = SessionController.OperatorStep(kind: .cartridge, from: "RL3", to: "RL5")
        let logged = SessionController.Event(
            kind: .operatorStep(step), hostMicros: 30_000_000, boardMicros: 5_012_500_000, scheduleMicros: 5_010_000_000
        )
        let event = SessionRecord.Event(logged, origin: 5_000_000_000)
        #expect(
            event
                == SessionRecord.Event(
                    timeS: 12.5, sessionTimeS: 30, kind: .cartridge, detail: "cartridge change from RL3 to RL5"))
        let pigment = SessionController.OperatorStep(kind: .pigment, from: "ink A", to: "ink B")
        #expect(
            SessionRecord.Event(
                .init(kind: .operatorStep(pigment), hostMicros: 0, boardMicros: nil, scheduleMicros: nil), origin: 0)
                == SessionRecord.Event(
                    timeS: nil, sessionTimeS: 0, kind: .pigment, detail: "pigment change from ink A to ink B"))
    }
}
