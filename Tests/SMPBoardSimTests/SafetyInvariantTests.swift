import Foundation
import SMPBoardSim
import SMPHardware
import SMPWire
import Testing

/// Random host behaviour against the board, checking the safety rules hold whatever happens.
@Suite("Safety invariants under random host behaviour and faults")
struct SafetyInvariantTests {
    @Test(
        "no dot over its strokes, no contact deeper than the ceiling, nothing moving in the safe state, every dot reported once",
        arguments: [
            (UInt64(1), ""), (2, "corrupt=1e-3,drop=0.02,dup=0.02,jitter=2ms"), (3, "stall=2s+300ms"),
            (4, "disconnect=1500ms+300ms"), (5, "reset=2500ms"), (6, "corrupt=5e-3"), (7, "stall=1s+2s,noise=0.05"),
            (8, "dup=0.1,delay=3ms"), (9, ""), (10, "drop=0.05"),
        ])
    func randomHost(seed: UInt64, faults: String) throws {
        var harness = try BoardHarness(skin: .thickOily, surface: .flat, seed: seed, faults: faults)
        var random = SeededGenerator(seed: seed, stream: "test-host")
        var start = harness.prepare()
        var nextID: UInt32 = 1
        for _ in 0..<40 {
            switch random.next() % 10 {
            case 0, 1, 2, 3:
                let count = Int(1 + random.next() % 6)
                // A well-behaved host stays within the credit (the overflow rule has its own test).
                guard harness.host.availableCredit >= count else { break }
                let strokes = UInt8(1 + random.next() % 8)
                start = max(start, harness.scheduleEstimate + 10_000)
                harness.send(
                    .dotTrain(
                        BoardHarness.train(
                            firstID: nextID, count: count, start: start, x: 90_000 + Int32(random.next() % 20) * 1000,
                            hang: random.next() % 20 == 0 ? 2_001 : Int32(600 + random.next() % 1_400),
                            strokes: strokes, spacing: 450_000)))
                nextID += UInt32(count)
                start += UInt64(count) * 450_000 + 300_000
            case 4: harness.send(.hold)
            case 5: harness.send(.resume)
            case 6: if random.next() % 4 == 0 { harness.send(.emergencyStop) }
            case 7: harness.send(.arm)
            case 8: harness.bench.hostWrites((0..<40).map { _ in UInt8(truncatingIfNeeded: random.next()) })
            default: harness.send(.statusQuery)
            }
            harness.run(for: UInt64(50_000 + random.next() % 400_000))
            if harness.board.state == .safe {
                // In the safe state nothing moves and the motor is off (Z may still be on its way up).
                let time = Double(harness.board.now) / 1_000_000 + 0.2
                #expect(harness.board.physics.motor.target == 0)
                #expect(!harness.board.physics.x.isMoving(at: time) && !harness.board.physics.y.isMoving(at: time))
            }
            if harness.board.state == .safe && random.next() % 3 != 0 {
                harness.arm()
                harness.send(
                    .setStrokeRate(SetStrokeRate(startTime: harness.scheduleEstimate + 10_000, centihertz: 12_000)))
                harness.run(for: 300_000)
            }
        }
        harness.run(for: 7_000_000)  // the last completion batch goes out at most 6 s after its first record
        let truth = harness.board.truth()
        for dot in truth.dots {
            #expect(dot.strokesCounted <= dot.strokesCommanded)
            #expect(dot.strokes.filter(\.counted).count == dot.strokesCounted)
            #expect(dot.strokes.allSatisfy { $0.localHangMM <= 2.0 + 1e-9 })
            #expect(dot.depositDepthMM < max(dot.commandedHangMM, 1e-9))
        }
        #expect(truth.strayStrokes.isEmpty)
        let reported = harness.completions
        #expect(Set(reported.map(\.dotID)).count == reported.count, "a dot reported twice")
        for completion in reported {
            let dot = truth.dots.first { $0.dotID == completion.dotID }
            #expect(completion.strokesDelivered == dot?.strokesCounted)
        }
    }
}
