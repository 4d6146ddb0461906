import Foundation
import SMPBoardSim
import SMPControl
import SMPDryRun
import SMPHardware
import SMPMotion
import SMPPlanning
import SMPWire
import Testing

/// The controller's refusals and its behaviour on a bad link, against the simulated board or a hand-made peer.
@Suite struct ControllerTests {
    static func dot(id: Int = 1, x: Double = 100, y: Double = 100, hang: Double = 1.2) -> ControlDot {
        ControlDot(
            motion: MotionDot(id: id, xMM: x, yMM: y, localHangMM: hang, strokes: 4, rateHz: 120, cartridge: "3RL"),
            hangBandMM: 1.0...1.4, regionName: "patch")
    }

    /// A board that answers with protocol v1's hello: refused at connect naming both versions; the controller sends
    /// nothing but its hellos.
    @Test func boardOfAnotherProtocolVersionIsRefusedAndNothingIsSent() throws {
        var controller = SessionController(dots: [Self.dot()], board: .r1, handpiece: .rotaryR1)
        var sent = controller.start(now: 0).bytes
        var v1 = BoardHello(
            sessionID: SessionController.Configuration().sessionID, boardModel: "smp-driver-r1",
            firmwareVersion: "old", serialNumber: "SIM-0001", clockHertz: 1_000_000, queueCapacity: 128,
            limits: BoardLimits(BoardDefinition.r1), boardTime: 5, lastCompletedDot: 0, pendingCompletions: 0,
            handpieceModel: "rotary-r1", cartridge: "", surfaceMode: .unmapped)
        v1.protocolVersion = 1
        v1.schemaHash = 0x492B_CFC5
        var encoder = FrameEncoder()
        var wire: [UInt8] = []
        try encoder.encode(
            Frame(
                acknowledgement: 0xFF, isNegativeAcknowledgement: false, credit: nil,
                body: .handshake(Message.boardHello(v1).encoded())), into: &wire, leadingDelimiter: true)
        sent += controller.receive(wire, now: 2_000).bytes
        for time in stride(from: UInt64(10_000), through: 2_000_000, by: 10_000) {
            sent += controller.tick(now: time).bytes
        }
        guard case .faulted(.protocolMismatch(let mismatch)) = controller.state else {
            Issue.record("expected a protocol mismatch, got \(controller.state)")
            return
        }
        #expect(mismatch.peerVersion == 1 && mismatch.localVersion == WireSchema.protocolVersion)
        #expect(!"\(mismatch)".contains("\n"))
        // Everything the controller wrote, read by a v2 board: hellos only, not one command.
        var board = WireSession(
            configuration: SessionConfiguration(role: .board),
            boardIdentity: BoardHello(
                sessionID: 0, boardModel: "smp-driver-r1", firmwareVersion: "new", serialNumber: "SIM-0001",
                clockHertz: 1_000_000, queueCapacity: 128, limits: BoardLimits(BoardDefinition.r1), boardTime: 0,
                lastCompletedDot: 0, pendingCompletions: 0, handpieceModel: "rotary-r1", cartridge: "",
                surfaceMode: .unmapped))
        let events = board.receive(sent, now: 3_000_000)
        try #require(events.contains { if case .helloReceived = $0 { true } else { false } })
        #expect(!events.contains { if case .message = $0 { true } else { false } })
        #expect(controller.finalAccounting.fates.allSatisfy { if case .skipped = $0 { true } else { false } })
    }

    /// The host refuses a dot past the board's ceiling, out of its profile's band, or outside the travel, before it
    /// sends anything.
    @Test(arguments: [
        (Self.dot(hang: 2.5), "hang_mm"), (Self.dot(hang: 1.5), "hang_mm"), (Self.dot(x: 250), "x_mm"),
        (Self.dot(y: -1), "y_mm"),
    ])
    func hostChecksRefuseBeforeSending(dot: ControlDot, field: String) throws {
        let problem = try #require(HostChecks.firstProblem(in: [Self.dot(id: 7), dot], limits: BoardLimits(.r1)))
        #expect(problem.field == field && problem.dotID == dot.motion.id)
        #expect(!problem.description.contains("\n"))
        let setup = SimulationSetup(board: .r1, skinType: .fitzpatrick1to3, seed: 1)
        #expect(throws: DryRunError.self) {
            _ = try DryRun.run(
                dots: [dot], setup: setup, options: DryRunOptions(skin: .fitzpatrick1to3), planFile: "test")
        }
    }

    /// On a declared flat surface nothing is probed, so nothing moved the head: the schedule starts where the board's
    /// status puts it (its home, 0/0, here), not at the middle of the travel. Otherwise the first dot's long travel
    /// is scheduled as none and the board refuses the second dot (`schedule_overlap`).
    @Test func declaredFlatSessionStartsWhereTheHeadIs() throws {
        let dots = (0..<4).map { index in
            ControlDot(
                motion: MotionDot(
                    id: index + 1, xMM: 100 + Double(index), yMM: 100, localHangMM: 1.2, strokes: 4, rateHz: 120,
                    cartridge: HandpieceDefinition.rotaryR1.needle.cartridgeName),
                hangBandMM: 1.0...1.4, regionName: "pad")
        }
        let setup = SimulationSetup(board: .r1, skinType: .fitzpatrick1to3, surface: .flat, seed: 1)
        try #require(setup.homeXMM == 0 && setup.homeYMM == 0)
        let report = try DryRun.run(
            dots: dots, setup: setup, options: DryRunOptions(skin: .fitzpatrick1to3), planFile: "test")
        #expect(report.outcome == "finished", "\(report.outcome) \(report.faults)")
        #expect(report.dotsDone == dots.count)
    }

    /// The board-silence rule: a link dead for longer than the session's limit makes the host declare the board
    /// lost; nothing is re-sent, and every dot is accounted for.
    @Test func boardLostForAWhileIsReconnectedAndTheRunFinishes() throws {
        let dots = (0..<200).map { Self.dot(id: 1000 - $0, x: 95 + Double($0 % 20) * 1.0, y: 95 + Double($0 / 20)) }
        let setup = SimulationSetup(
            board: .r1, skinType: .fitzpatrick1to3, seed: 2, faults: try FaultPlan(parsing: "disconnect=22s+5s"),
            faultSpec: "disconnect=22s+5s")
        let report = try DryRun.run(
            dots: dots, setup: setup, options: DryRunOptions(skin: .fitzpatrick1to3), planFile: "test")
        try #require(report.faults.contains { $0.contains("board lost") }, "\(report.faults)")
        #expect(report.outcome.hasPrefix("finished after"), "\(report.outcome)")
        #expect(report.dotsDuplicated == 0)
        #expect(report.dotsDone == dots.count, "\(report.notDone.prefix(3))")
    }

    @Test func boardThatNeverComesBackEndsTheRunWithEveryDotExplained() throws {
        let dots = (0..<200).map { Self.dot(id: 1000 - $0, x: 95 + Double($0 % 20) * 1.0, y: 95 + Double($0 / 20)) }
        let setup = SimulationSetup(
            board: .r1, skinType: .fitzpatrick1to3, seed: 2, faults: try FaultPlan(parsing: "disconnect=22s+600s"),
            faultSpec: "disconnect=22s+600s")
        let report = try DryRun.run(
            dots: dots, setup: setup, options: DryRunOptions(skin: .fitzpatrick1to3), planFile: "test")
        try #require(report.dotsDone > 0)
        #expect(report.outcome.contains("did not come back"), "\(report.outcome)")
        #expect(report.dotsDuplicated == 0)
        #expect(report.dotsDone + report.dotsUncertain + report.dotsSkipped == dots.count)
        #expect(report.notDone.count == dots.count - report.dotsDone)
        #expect(report.notDone.allSatisfy { !$0.reason.isEmpty })
    }
}
