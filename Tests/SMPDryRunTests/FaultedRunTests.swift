import SMPBoardSim
import SMPControl
import SMPDryRun
import SMPHardware
import SMPMotion
import Testing

/// Issue 11's faulted dry run: byte corruption, frame loss, a disconnect and a board reset in one session, over
/// many seeds. The run reconnects after each loss and goes on; no dot is ever needled twice (the simulator's truth
/// counts every stroke of every plan dot over all its sends), and every dot ends done, or uncertain or skipped with
/// its reason.
@Suite struct FaultedRunTests {
    static let spec = "corrupt=1e-4,drop=1e-3,disconnect=30s+2s,reset=60s"

    /// 400 dots at 1 mm pitch: about 70 s of needling after a short probing, so that the disconnect at 30 s and the
    /// reset at 60 s of board life fall among the dots.
    static let dots: [ControlDot] = (0..<400).map { index in
        ControlDot(
            motion: MotionDot(
                id: 5000 - index, xMM: 90 + Double(index % 20), yMM: 90 + Double(index / 20), localHangMM: 1.2,
                strokes: 4, rateHz: 120, cartridge: "3RL"),
            hangBandMM: 1.0...1.4, regionName: "patch")
    }

    @Test(arguments: 1...6 as ClosedRange<UInt64>)
    func everyDotIsAccountedForAndNoneNeedledTwice(seed: UInt64) throws {
        let setup = SimulationSetup(
            board: .r1, skinType: .fitzpatrick1to3, seed: seed, faults: try FaultPlan(parsing: Self.spec),
            faultSpec: Self.spec)
        let report = try DryRun.run(
            dots: Self.dots, setup: setup, options: DryRunOptions(skin: .fitzpatrick1to3), planFile: "faulted")
        // The faults really struck the session: the board was lost at least once and the run reconnected.
        try #require(report.outcome.contains("reconnection"), "\(report.outcome); faults \(report.faults)")
        try #require(report.dotsDone > 0)
        #expect(report.dotsDuplicated == 0)
        #expect(report.dotsDone + report.dotsUncertain + report.dotsSkipped == Self.dots.count)
        #expect(report.notDone.count == Self.dots.count - report.dotsDone)
        #expect(report.notDone.allSatisfy { !$0.reason.isEmpty })
        #expect(report.lateCommands == 0)
        // Only a board restart loses reports; a lost link never leaves a dot uncertain.
        if !report.faults.contains(where: { $0.contains("board_reset") || $0.contains("restarted") }) {
            #expect(report.dotsUncertain == 0, "\(report.notDone.prefix(3))")
        }
    }
}

extension FaultedRunTests {
    /// A link dead for 300 ms while the last dots run: longer than the board's 100 ms watchdog, shorter than the
    /// host's 1 s silence limit. The board trips, discards its queue and reports the discards before the watchdog
    /// (Docs/Protocol.md: completions go out before any fault). With every dot already sent, the discards account
    /// for the last of them before the fault arrives; the run must still reconnect and send the discarded dots
    /// again, not end with them skipped.
    @Test(arguments: 1...3 as ClosedRange<UInt64>)
    func dotsDiscardedByAWatchdogTripAreSentAgain(seed: UInt64) throws {
        // 12 dots, about 2 s of needling: all of them on the board (within the 2.5 s look-ahead) when it trips.
        let dots = Array(Self.dots.prefix(12))
        let clean = try DryRun.run(
            dots: dots, setup: SimulationSetup(board: .r1, skinType: .fitzpatrick1to3, seed: seed),
            options: DryRunOptions(skin: .fitzpatrick1to3), planFile: "clean")
        try #require(clean.dotsDone == dots.count)
        // The session starts at power-up: needling spans the last machine_time_s of session_time_s.
        let middle = Int((clean.sessionTimeS - clean.machineTimeS / 2) * 1000)
        let spec = "disconnect=\(middle)ms+300ms"
        let setup = SimulationSetup(
            board: .r1, skinType: .fitzpatrick1to3, seed: seed, faults: try FaultPlan(parsing: spec),
            faultSpec: spec)
        let report = try DryRun.run(
            dots: dots, setup: setup, options: DryRunOptions(skin: .fitzpatrick1to3), planFile: "watchdog")
        try #require(
            report.faults.contains { $0.contains("watchdog") }, "the board's watchdog did not trip: \(report.faults)")
        #expect(report.dotsDone == dots.count, "\(report.outcome): \(report.notDone.prefix(3))")
        #expect(report.dotsDuplicated == 0)
    }
}

extension FaultedRunTests {
    /// The board's watchdog trips just after the hello (a 300 ms outage while the host takes its clock samples):
    /// the board is back in the safe state, and its fault arrives while the host is still identifying. It is this
    /// session's fault, not one the board kept from before: the run reconnects and arms again, instead of sending
    /// the probe into the safe state (`not_armed`) and ending there.
    @Test(arguments: [10, 40, 80] as [Int])
    func watchdogTripBeforeArmingReconnects(startMilliseconds: Int) throws {
        let dots = Array(Self.dots.prefix(12))
        let spec = "disconnect=\(startMilliseconds)ms+300ms"
        let setup = SimulationSetup(
            board: .r1, skinType: .fitzpatrick1to3, seed: 1, faults: try FaultPlan(parsing: spec), faultSpec: spec)
        let report = try DryRun.run(
            dots: dots, setup: setup, options: DryRunOptions(skin: .fitzpatrick1to3), planFile: "early-trip")
        try #require(report.faults.contains { $0.hasPrefix("watchdog") }, "the board's watchdog did not trip")
        #expect(report.dotsDone == dots.count, "\(report.outcome): \(report.faults)")
    }
}
