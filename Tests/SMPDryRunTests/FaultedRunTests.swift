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
