import SMPBoardSim
import SMPControl
import SMPDryRun
import SMPHardware
import SMPJournal
import SMPMotion
import SMPWire
import Testing

/// Needle groups: a cartridge change between them is an operator step with the board disarmed, and the journal is
/// the run's memory across it. Also: a journal that fails stops the host, silent.
@Suite struct OperatorStepTests {
    /// 60 dots of a 1RL hairline band, then 60 of 3RL density: two needle groups.
    static let dots: [ControlDot] = (0..<120).map { index in
        let hairline = index < 60
        return ControlDot(
            motion: MotionDot(
                id: 700 + index, xMM: 90 + Double(index % 12), yMM: 90 + Double(index / 12), localHangMM: 1.2,
                strokes: 4, rateHz: 120, cartridge: hairline ? "1RL" : "3RL"),
            hangBandMM: 1.0...1.4, regionName: hairline ? "hairline" : "density",
            cartridgeName: hairline ? "1RL 0.20" : "3RL 0.25")
    }

    static func setup(seed: UInt64 = 3) -> SimulationSetup {
        SimulationSetup(board: .r1, skinType: .fitzpatrick1to3, seed: seed, faults: FaultPlan(), faultSpec: "")
    }

    static func ledger() -> MemoryLedger {
        MemoryLedger(
            plan: dots.planHash, board: BoardIdentity(model: "smp-driver-r1", serialNumber: "t", protocolVersion: 2),
            hostSoftware: "test")
    }

    /// A runner over the simulated board with the hairline's cartridge already fitted.
    static func runner<Ledger: RunLedger>(ledger: Ledger) -> SessionRunner<DryRunTransport, Ledger> {
        var runner = SessionRunner(
            dots: dots, board: .r1, handpiece: .rotaryR1, ledger: ledger, transport: DryRunTransport(setup: setup()))
        runner.fittedCartridge = "1RL 0.20"
        return runner
    }

    @Test func cartridgeChangesAreOperatorStepsAndEveryGroupGetsItsCartridge() throws {
        let report = try DryRun.run(
            dots: Self.dots, setup: Self.setup(), options: DryRunOptions(skin: .fitzpatrick1to3), planFile: "groups")
        let steps = report.events.filter { $0.kind == .cartridge }
        try #require(steps.count == 2, "\(report.events)")
        #expect(steps[0].detail.contains("1RL 0.20") && steps[1].detail.contains("3RL 0.25"))
        #expect(report.dotsDone == Self.dots.count, "\(report.notDone.prefix(3))")
        #expect(report.dotsDuplicated == 0)
        #expect(report.lateCommands == 0)
        #expect(report.outcome == "finished")
    }

    @Test func theBoardIsSafeBeforeTheOperatorIsAskedAndTheMapIsReZeroed() throws {
        var runner = Self.runner(ledger: Self.ledger())
        var boardStatesAtSteps: [String] = []
        var lastState = ""
        runner.run(
            limit: 3_600_000_000,
            observe: { driver, _ in
                lastState = "\(driver.controller.lastStatus?.state ?? .safe)"
                return nil
            },
            operatorStep: { step in
                boardStatesAtSteps.append("\(step.kind) \(lastState)")
                return true
            })
        try #require(runner.steps.count == 1, "\(runner.steps)")
        #expect(boardStatesAtSteps == ["cartridge safe"])
        let truth = runner.transport.truth
        #expect(truth.cartridges == ["3RL 0.25", "1RL 0.20", "3RL 0.25"])
        let second = try #require(runner.sendingSessions.last)
        #expect(second.cartridgeChanged)
        #expect(second.touchOffs.count == 1, "one re-zero touch-off, no probing")
        #expect(runner.finalAccounting.done == Self.dots.count)
    }

    @Test func anOperatorWhoDeclinesTheStepEndsTheRunWithTheGroupSkipped() throws {
        var runner = Self.runner(ledger: Self.ledger())
        runner.run(limit: 3_600_000_000, operatorStep: { _ in false })
        let accounting = runner.finalAccounting
        try #require(accounting.done == 60)
        #expect(accounting.skipped == 60)
        #expect(runner.stopReason?.contains("cartridge change to 3RL 0.25") == true, "\(runner.stopReason ?? "")")
    }

    /// A ledger whose disk fills after `capacity` entries.
    struct FillingLedger: RunLedger {
        var inner: MemoryLedger
        var capacity: Int
        var state: JournalState { inner.state }
        struct DiskFull: Error {}
        mutating func record(_ entries: [JournalEntry]) throws {
            guard capacity >= entries.count else { throw DiskFull() }
            capacity -= entries.count
            try inner.record(entries)
        }
    }

    @Test func aJournalThatFailsStopsTheHostSilentAndNothingRunsWithoutItsIntent() throws {
        var runner = Self.runner(ledger: FillingLedger(inner: Self.ledger(), capacity: 70))
        runner.run(limit: 3_600_000_000)
        try #require(runner.journalFailure != nil)
        // The bench goes on in virtual time after the host stopped: half a second of silence.
        var bench = runner.transport
        let stoppedAt = bench.now
        while bench.now < stoppedAt + 500_000 { _ = bench.waitForBytes(until: stoppedAt + 500_000) }
        let truth = bench.truth
        // The host fell silent: the board's watchdog took the needle out.
        #expect(truth.faults.contains { $0.code == FaultCode.watchdog.name }, "\(truth.faults)")
        // Every dot the board touched had its intent in the journal first.
        let intents = Set(runner.ledger.state.sends.keys)
        let touched = truth.dots.filter { $0.strokesCounted > 0 }.map(\.dotID)
        try #require(!touched.isEmpty)
        #expect(touched.allSatisfy { intents.contains($0) })
        #expect(runner.sessions.count == 1, "no reconnection after a journal failure")
    }
}
