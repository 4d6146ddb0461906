import Foundation
import SMPBoardSim
import SMPWire
import Testing

/// The truth's needle-clearance records (the moment the tip leaves the skin for good after a hold or a fault) and
/// the fault that loses exactly one frame: what `LatencyTests` and `LatencyBenchmarks` grade on.
@Suite("Needle clearance truth and targeted frame loss")
struct NeedleClearanceTests {
    private func rig() throws -> RigPhysics {
        RigPhysics(
            board: try Fixtures.board(), handpiece: .rotaryR1,
            patient: SimulatedPatient(skinType: .fitzpatrick1to3, seed: 1, surface: .flat), home: (100, 100),
            retractedHang: -2, sensorNoiseN: 0.002, seed: 1)
    }

    @Test("a still needle lifted from rest clears when Z has risen by its depth, to the microsecond")
    func stillNeedleClearsAtTheZCrossing() throws {
        var physics = try rig()
        let arrival = physics.moveZ(to: 1.2, at: 0)
        physics.parkCamAtBottom(at: arrival)
        let start = arrival + 0.01
        // Tip at the cam's bottom: 1.2 mm hang less the 0.3 mm membrane loss past the skin.
        try #require(abs(physics.tipDepthPastSkin(at: start) - 0.9) < 1e-9)
        physics.moveZ(to: -0.5, at: start)
        let clear = try #require(physics.needleClearTime(from: start))
        // From rest at 5000 mm/s² to 50 mm/s (10 ms, 0.25 mm), then 0.65 mm at 50 mm/s (13 ms).
        #expect(abs(clear - start - 0.023) <= 2e-6, "\(clear - start) s")
    }

    @Test("a stroking needle lifted clears at its last exit from the skin: in it just before, never in it after")
    func strokingNeedleClearsAtItsLastExit() throws {
        var physics = try rig()
        physics.moveZ(to: 1.2, at: 0)
        physics.driveMotor(120, at: 0)
        let start = 0.5037
        physics.moveZ(to: -0.5, at: start)
        physics.driveMotor(0, at: start)
        let clear = try #require(physics.needleClearTime(from: start))
        try #require(clear > start)
        // Before the Z crossing: the cam lifts the tip out between strokes, so the last exit comes at or before it.
        #expect(clear <= start + 0.023 + 2e-6)
        #expect(stride(from: clear - 20e-6, to: clear, by: 1e-6).contains { physics.tipDepthPastSkin(at: $0) > 0 })
        #expect(
            stride(from: clear, through: clear + 0.2, by: 5e-6).allSatisfy { physics.tipDepthPastSkin(at: $0) <= 0 })
    }

    @Test("a hold during a touch-off is recorded and clears within the Z axis's bound")
    func holdDuringTouchOff() throws {
        var records: [NeedleClearanceTruth] = []
        for step in 0..<30 {
            var harness = try BoardHarness(surface: .curved, seed: UInt64(step + 1))
            harness.connect()
            harness.arm()
            harness.send(
                .surfaceGrid(
                    SurfaceGrid(
                        originXMicrometres: 95_000, originYMicrometres: 95_000, spacingMicrometres: 10_000, nx: 2,
                        ny: 2)))
            harness.send(
                .touchOff(
                    TouchOff(
                        startTime: harness.scheduleEstimate + 30_000, xMicrometres: 95_000, yMicrometres: 95_000,
                        approachMicrometres: -3_500, node: 1)))
            harness.run(for: 100_000 + UInt64(step) * 100_000)
            harness.send(.hold)
            harness.run(for: 300_000)
            if let hold = harness.board.truth().needleClearances.last(where: { $0.cause == "hold" }) {
                records.append(hold)
            }
        }
        try #require(records.count == 30)
        let board = try Fixtures.board()
        // Some holds caught the touch-off descending onto the skin.
        try #require(records.contains { $0.activity == "touch_off.descend" })
        for hold in records {
            let latency = try #require(hold.latencyMicros)
            #expect(Double(latency) <= hold.physicsBound(board: board) + 10, "\(hold.activity): \(latency) µs")
        }
    }

    @Test(
        "lose=TYPE#N parses; bad values name the key",
        arguments: ["lose=dot_train", "lose=nothing#1", "lose=board_hello#1", "lose=dot_train#0"])
    func loseSpec(bad: String) throws {
        let plan = try FaultPlan(parsing: "lose=dot_train#3,lose=completions#1")
        #expect(
            plan.frameLosses == [
                FaultPlan.FrameLoss(messageType: .dotTrain, occurrence: 3),
                FaultPlan.FrameLoss(messageType: .completions, occurrence: 1),
            ])
        #expect(!plan.linkIsClean)
        let error = #expect(throws: SimulatorInputError.self) { try FaultPlan(parsing: bad) }
        #expect(error?.field == "lose" && error?.exitCode == 64)
    }

    @Test("lose=dot_train#2 loses exactly that frame's first transmission and records its redelivery")
    func targetedLossLosesOneFrame() throws {
        var injector = LinkFaultInjector(
            plan: try FaultPlan(parsing: "lose=dot_train#2,usb=off"), seed: 1, label: "host-to-board")
        var encoder = FrameEncoder()
        func frame(_ sequence: UInt8, type: MessageType) throws -> [UInt8] {
            var bytes: [UInt8] = []
            try encoder.encode(
                Frame(
                    acknowledgement: 0xFF,
                    body: .sequenced(sequence: sequence, message: RawMessage(type: type.rawValue, payload: [sequence]))),
                into: &bytes, leadingDelimiter: false)
            return bytes
        }
        // Train 0, a status query, train 2 (the second train: lost), train 3 in the same write, then 2 again.
        injector.send(try frame(0, type: .dotTrain), at: 100)
        injector.send(try frame(1, type: .statusQuery), at: 200)
        injector.send(try frame(2, type: .dotTrain) + frame(3, type: .dotTrain), at: 300)
        injector.send(try frame(2, type: .dotTrain), at: 4_300)
        var decoder = FrameDecoder()
        let delivered = decoder.feed(injector.receive(upTo: 10_000)).compactMap { event -> UInt8? in
            guard case .frame(let frame, _) = event, case .sequenced(let sequence, _) = frame.body else { return nil }
            return sequence
        }
        #expect(delivered == [0, 1, 3, 2])
        #expect(injector.counters.framesDropped == 1)
        let loss = try #require(injector.targetedLosses.first)
        #expect(injector.targetedLosses.count == 1)
        #expect(loss.sequence == 2 && loss.messageType == .dotTrain && loss.occurrence == 2)
        #expect(loss.sentAt == 300 && loss.dueAt == 300)
        #expect(loss.resentAt == 4_300 && loss.redeliveredAt == 4_300)
    }
}
