import Foundation
import SMPBoardSim
import SMPHardware
import SMPWire
import Testing

@Suite("Firmware model: protocol v2, board side")
struct FirmwareTests {
    @Test("the hello announces the board file's limits")
    func handshake() throws {
        var harness = try BoardHarness()
        harness.connect()
        guard case .board(let hello)? = harness.host.peerHello else {
            Issue.record("no board hello")
            return
        }
        #expect(hello.boardModel == "smp-driver-r1")
        #expect(hello.clockHertz == 1_000_000)
        #expect(hello.queueCapacity == 128)
        #expect(hello.limits.hangCeilingMicrometres == 2_000)
        #expect(hello.limits.watchdogMilliseconds == 100)
        #expect(hello.limits.maxAccelerationXYMicrometresPerSecond2 == 3_000_000)
        #expect(hello.limits.minimumLeadMicroseconds == 5_000)
        // v2: what a host needs to probe and to place the needle against the board's own surface map.
        #expect(hello.protocolVersion == 2)
        #expect(hello.limits.zResolutionMicrometres == 1)
        #expect(hello.limits.minimumClearanceMicrometres == 150)
        #expect(hello.limits.fullDepthToleranceMicrometres == 10)
        #expect(hello.limits.probeApproachSpeedMicrometresPerSecond == 10_000)
        #expect(hello.limits.probeSpeedMicrometresPerSecond == 2_000)
        #expect(hello.limits.probeThresholdMillinewtons == 8 && hello.limits.probeForceLimitMillinewtons == 30)
        #expect(hello.limits.probeMaxTravelMicrometres == 6_000 && hello.limits.surfaceMaxNodes == 1_024)
        #expect(hello.handpieceModel == "rotary-r1" && hello.cartridge == "3RL 0.25")
        #expect(hello.surfaceMode == .unmapped)
        #expect(hello.serialNumber == "SIM-0001")
        #expect(harness.board.state == .safe)
    }

    @Test("dots deliver exactly the commanded strokes and report them reliably, with the truth kept aside")
    func dotsComplete() throws {
        var harness = try BoardHarness()
        let start = harness.prepare()
        harness.send(.dotTrain(BoardHarness.train(firstID: 1, count: 5, start: start, strokes: 4)))
        // Completions are batched: 32 records or 6 s after the first.
        harness.run(for: 8_000_000)
        #expect(harness.faults.isEmpty)
        let completions = harness.completions
        #expect(completions.map(\.dotID) == [1, 2, 3, 4, 5])
        #expect(completions.allSatisfy { $0.outcome == .completed && $0.strokesDelivered == 4 })
        // The first stroke of a dot punctures fresh skin: the highest load, as the sensor saw it.
        #expect(completions.allSatisfy { ($0.peakLoads.max() ?? 0) > 10 })
        let truth = harness.board.truth()
        #expect(truth.dots.count == 5)
        for dot in truth.dots {
            #expect(dot.strokesCounted == 4)
            #expect(dot.strokes.filter(\.counted).count == 4)
            #expect(dot.depositDepthMM > 0 && dot.depositDepthMM < dot.commandedHangMM)
            #expect(dot.strokes.allSatisfy { $0.localHangMM <= 1.2 + 1e-9 })
            #expect(!dot.fadeRisk && !dot.migrationRisk && !dot.tooShallow)
        }
        #expect(truth.strayStrokes.isEmpty)
        #expect(harness.board.state == .ready)
    }

    @Test("the motor follows set_stroke_rate with the handpiece's lag, and the status reports it")
    func motorLagOnTheBoard() throws {
        var harness = try BoardHarness()
        harness.connect()
        harness.arm()
        let start = harness.scheduleEstimate + 20_000
        harness.send(.setStrokeRate(SetStrokeRate(startTime: start, centihertz: 12_000)))
        harness.run(for: 100_000)
        // Exactly one time constant (45 ms) after the change (no hold: schedule time is board time, the motor's).
        let rate = harness.board.physics.motor.rate(at: Double(start + 45_000) / 1_000_000)
        #expect(abs(rate - 120 * (1 - exp(-1.0))) < 0.01)
        harness.send(.statusQuery)
        harness.run(for: 20_000)
        // Measured when the query arrived, a little later than one time constant.
        let reported = try #require(harness.statuses.last?.motorCentihertz)
        #expect(reported > 7_580 && reported < 12_000)
    }

    @Test("a hang too small to puncture leaves a dot flagged too shallow: the truth knows, the wire does not")
    func shallowDotFlagged() throws {
        var harness = try BoardHarness()
        let start = harness.prepare()
        harness.send(.dotTrain(BoardHarness.train(firstID: 1, count: 2, start: start, hang: 600)))
        harness.run(for: 7_000_000)
        #expect(harness.completions.map(\.outcome) == [.completed, .completed])
        for dot in harness.board.truth().dots {
            #expect(dot.depositDepthMM < 0.5)
            #expect(dot.tooShallow && dot.fadeRisk && !dot.tooDeep)
        }
    }

    @Test("a command arriving after its start time is a fault and the board goes safe")
    func lateCommand() throws {
        var harness = try BoardHarness()
        _ = harness.prepare()
        let late = harness.scheduleEstimate + 1_000  // less than the 5 ms lead
        harness.send(.dotTrain(BoardHarness.train(firstID: 7, count: 2, start: late)))
        harness.run(for: 300_000)
        let fault = try #require(harness.faults.first)
        #expect(fault.code == .lateCommand)
        #expect(fault.dotID == 7)
        #expect(fault.value > 0)
        #expect(harness.board.state == .safe)
        #expect(harness.completions.map(\.outcome) == [.rejected])
        expectSafe(harness.board)
    }

    @Test("a hang beyond the ceiling is rejected with a fault, never clamped")
    func hangCeiling() throws {
        var harness = try BoardHarness()
        let start = harness.prepare()
        harness.send(.dotTrain(BoardHarness.train(firstID: 3, count: 1, start: start + 50_000, hang: 2_001)))
        harness.run(for: 500_000)
        let fault = try #require(harness.faults.first)
        #expect(fault.code == .hangBeyondCeiling)
        #expect(fault.value == 2_001)
        #expect(harness.completions.first?.outcome == .rejected)
        #expect(harness.board.truth().dots.allSatisfy { $0.strokes.isEmpty })
        #expect(harness.board.truth().summary.skinContacts == 0)
        expectSafe(harness.board)
    }

    @Test("a position outside travel is rejected with a fault, never clamped")
    func outsideTravel() throws {
        var harness = try BoardHarness()
        let start = harness.prepare()
        harness.send(.dotTrain(BoardHarness.train(firstID: 3, count: 1, start: start + 50_000, x: 200_001)))
        harness.run(for: 300_000)
        #expect(harness.faults.first?.code == .positionOutOfTravel)
        #expect(harness.faults.first?.value == 200_001)
        harness.send(.moveTo(MoveTo(startTime: harness.scheduleEstimate + 50_000, xMicrometres: -5, yMicrometres: 0)))
        harness.run(for: 100_000)
        // Safe already: the move is refused as not armed, and nothing moved.
        #expect(harness.faults.last?.code == .notArmed)
        expectSafe(harness.board)
    }

    @Test("host silence beyond the watchdog trips the safe state within 1 ms of the limit")
    func watchdog() throws {
        var harness = try BoardHarness()
        let start = harness.prepare()
        harness.send(.dotTrain(BoardHarness.train(firstID: 1, count: 10, start: start)))
        harness.run(for: 200_000)
        let lastHeard = try #require(harness.board.lastHeardFromHost)
        harness.silent = true
        harness.run(for: 400_000)
        let fault = try #require(harness.faults.first)
        #expect(fault.code == .watchdog)
        let limit = lastHeard + 100_000
        #expect(fault.boardTime >= limit && fault.boardTime <= limit + 1_000)
        // Every dot gets its record after reconnecting: the one in progress interrupted, the queued ones discarded.
        harness.silent = false
        harness.run(for: 100_000)
        #expect(harness.completions.map(\.dotID) == Array(1...10))
        expectSafe(harness.board)
    }

    @Test("after a fault nothing moves until an explicit arm")
    func armAfterFault() throws {
        var harness = try BoardHarness()
        let start = harness.prepare()
        harness.send(.emergencyStop)
        harness.run(for: 100_000)
        #expect(harness.faults.map(\.code) == [.emergencyStop])
        harness.send(.dotTrain(BoardHarness.train(firstID: 1, count: 2, start: start + 200_000)))
        harness.run(for: 600_000)
        #expect(harness.faults.last?.code == .notArmed)
        #expect(harness.board.truth().summary.skinContacts == 0)
        expectSafe(harness.board)
        harness.arm()
        #expect(harness.board.state == .ready)
        #expect(harness.board.activeFault == nil)
    }

    @Test("hold and resume mid-dot: the dot gets only its remaining strokes", arguments: [1, 2, 3])
    func holdResume(holdAfterStrokes: Int) throws {
        var harness = try BoardHarness()
        let start = harness.prepare()
        harness.send(.dotTrain(BoardHarness.train(firstID: 1, count: 2, start: start, strokes: 6)))
        // Hold once the first dot has counted some strokes.
        harness.run(for: 2_000_000) { $0.board.countedStrokesOfCurrentDot >= holdAfterStrokes }
        let countedAtHold = harness.board.countedStrokesOfCurrentDot
        harness.send(.hold)
        harness.run(for: 300_000)
        #expect(harness.board.state == .held)
        #expect(harness.board.physics.motor.target == 0)
        let schedule = harness.board.scheduleTime
        harness.run(for: 500_000)
        #expect(harness.board.scheduleTime == schedule)  // frozen while held
        harness.send(.resume)
        harness.run(for: 8_000_000)
        #expect(harness.faults.isEmpty)
        let completions = harness.completions
        #expect(completions.map(\.dotID) == [1, 2])
        #expect(completions.allSatisfy { $0.outcome == .completed && $0.strokesDelivered == 6 })
        let first = try #require(harness.board.truth().dots.first)
        #expect(first.strokesCounted == 6)
        #expect(first.strokes.filter(\.counted).count == 6)
        #expect(countedAtHold >= holdAfterStrokes && countedAtHold < 6)
    }

    @Test("emergency stop interrupts the dot in progress and discards the queue")
    func emergencyStop() throws {
        var harness = try BoardHarness()
        let start = harness.prepare()
        harness.send(.dotTrain(BoardHarness.train(firstID: 1, count: 6, start: start, strokes: 8, spacing: 250_000)))
        harness.run(for: 2_000_000) { $0.board.countedStrokesOfCurrentDot >= 2 }
        harness.send(.emergencyStop)
        harness.run(for: 400_000)
        #expect(harness.faults.map(\.code) == [.emergencyStop])
        // The dot in progress is interrupted, every queued one discarded: one record per accepted dot.
        let completions = harness.completions
        let interrupted = try #require(completions.first { $0.outcome == .interrupted })
        #expect(interrupted.strokesDelivered < 8)
        #expect(completions.count == 6)
        #expect(completions.drop { $0.dotID <= interrupted.dotID }.allSatisfy { $0.outcome == .discarded })
        expectSafe(harness.board)
    }

    @Test("a jammed motor is a fault")
    func motorStall() throws {
        var harness = try BoardHarness(faults: "stall=1s+1s")
        let start = harness.prepare()
        harness.send(.dotTrain(BoardHarness.train(firstID: 1, count: 20, start: start)))
        harness.run(for: 1_500_000)
        #expect(harness.faults.first?.code == .motorStall)
        let fault = try #require(harness.faults.first)
        // Board faults of the plan count from power-up in board time.
        let sincePowerUp = fault.boardTime - harness.board.powerUpTime
        #expect(sincePowerUp >= 1_000_000 && sincePowerUp < 1_010_000)
        expectSafe(harness.board)
    }

    @Test("more slots than the credit is a queue overflow")
    func queueOverflow() throws {
        var harness = try BoardHarness()
        let start = harness.prepare()
        // 128 slots: two full trains of 64 fill the queue; one more dot overflows it (the host's own credit check
        // is bypassed on purpose).
        harness.send(.dotTrain(BoardHarness.train(firstID: 1, count: 64, start: start + 100_000, step: 0)))
        harness.send(
            .dotTrain(BoardHarness.train(firstID: 65, count: 64, start: start + 100_000 + 64 * 150_000, step: 0)))
        harness.send(
            .dotTrain(BoardHarness.train(firstID: 129, count: 1, start: start + 100_000 + 128 * 150_000, step: 0)))
        harness.run(for: 100_000)
        #expect(harness.faults.first?.code == .queueOverflow)
        #expect(harness.faults.first?.value == 1)
        expectSafe(harness.board)
    }

    @Test("garbage on the link is counted, never a crash, and the session survives it")
    func garbage() throws {
        var harness = try BoardHarness()
        let start = harness.prepare()
        var random = SeededGenerator(seed: 9)
        for _ in 0..<5 {
            harness.bench.hostWrites((0..<300).map { _ in UInt8(truncatingIfNeeded: random.next()) })
            harness.run(for: 10_000)
        }
        harness.send(.dotTrain(BoardHarness.train(firstID: 1, count: 2, start: start + 200_000)))
        harness.run(for: 7_000_000)
        #expect(harness.board.truth().summary.frameErrors > 0)
        #expect(harness.completions.map(\.outcome) == [.completed, .completed])
    }

    @Test("a board reset is reported first in the next session, with the board safe")
    func boardReset() throws {
        var harness = try BoardHarness(faults: "reset=1200ms")
        let start = harness.prepare()
        harness.send(.dotTrain(BoardHarness.train(firstID: 1, count: 10, start: start)))
        harness.run(for: 1_500_000)
        // The host learns of the restart when it next sends a sequenced frame: the board answers with a hello for
        // no session.
        harness.send(.statusQuery)
        harness.run(for: 100_000)
        #expect(harness.hostEvents.contains { if case .peerRestarted = $0 { return true } else { return false } })
        harness.connect(sessionID: 0x7777)
        harness.run(for: 100_000)
        #expect(harness.faults.first?.code == .boardReset)
        #expect(harness.faults.first?.value == 1)
        #expect(harness.board.truth().dots.contains { $0.outcome == "lost_in_reset" })
        expectSafe(harness.board)
    }

    /// `reset=dip#N` browns the board out while the N-th dot is in the skin, whenever that is: that dot is lost in
    /// the reset, the dots before it completed, the queued ones vanish.
    @Test("reset=dip#3 browns out mid-way through the third dot")
    func resetAtADip() throws {
        var harness = try BoardHarness(faults: "reset=dip#3")
        let start = harness.prepare()
        harness.send(.dotTrain(BoardHarness.train(firstID: 1, count: 6, start: start)))
        harness.run(for: 3_000_000)
        let dots = harness.board.truth().dots
        try #require(dots.count >= 3, "\(dots.map(\.outcome))")
        #expect(dots.prefix(2).allSatisfy { $0.outcome == "completed" })
        #expect(dots[2].outcome == "lost_in_reset")
        #expect(dots[2].dotID == 3)
        #expect(harness.board.truth().summary.boardResets == 1)
        expectSafe(harness.board)
    }

    @Test("a seed replays every byte and every truth record, faults included")
    func replay() throws {
        func run() throws -> ([UInt8], SimulationTruth) {
            var harness = try BoardHarness(
                skin: .thin, surface: .curved, seed: 42, faults: "corrupt=2e-3,drop=0.01,dup=0.01,jitter=1ms")
            let start = harness.prepare()
            harness.send(.dotTrain(BoardHarness.train(firstID: 1, count: 12, start: start + 100_000, hang: 1_000)))
            harness.run(for: 3_000_000)
            return (harness.boardBytes, harness.board.truth())
        }
        let first = try run()
        let second = try run()
        #expect(first.0 == second.0)
        #expect(first.1 == second.1)
        #expect(try first.1.jsonData() == second.1.jsonData())
        #expect(first.1.dots.count == 12, "\(first.1.faults) \(first.1.touchOffs.count)")
    }

    @Test("a yanked cable trips the watchdog; the reports reach the host after it reconnects")
    func disconnect() throws {
        var harness = try BoardHarness(faults: "disconnect=1s+400ms")
        let start = harness.prepare()
        harness.send(.dotTrain(BoardHarness.train(firstID: 1, count: 10, start: start)))
        harness.run(for: 1_500_000)
        #expect(harness.board.state == .safe)
        #expect(harness.board.truth().faults.first?.code == "watchdog")
        // The disconnect is in true time; the trip is 100 ms of board time after the last byte that got through.
        let trippedAt = try #require(harness.board.truth().faults.first?.boardTimeMicros)
        let tripped = harness.bench.clock.trueTime(atBoardTime: trippedAt)
        #expect(tripped > 1_000_000 && tripped <= 1_101_100)
        harness.connect(sessionID: 0x2222)
        harness.run(for: 300_000)
        // Every dot the board finished is reported exactly once, the interrupted one included, then the fault.
        let ids = harness.completions.map(\.dotID)
        #expect(ids == Array(1...10))
        // The dot in progress ends interrupted (its dip had started) or discarded (not yet); the queued ones discarded.
        let unfinished = harness.completions.drop { $0.outcome == .completed }
        #expect(unfinished.dropFirst().allSatisfy { $0.outcome == .discarded })
        #expect(unfinished.first.map { [.interrupted, .discarded].contains($0.outcome) } == true)
        #expect(harness.faults.map(\.code) == [.watchdog])
    }

    @Test("a new session starts with an empty queue and full credit; the dot in progress finishes and is reported")
    func reconnectEmptiesTheQueue() throws {
        var harness = try BoardHarness()
        let start = harness.prepare()
        harness.send(.dotTrain(BoardHarness.train(firstID: 1, count: 40, start: start, strokes: 4)))
        harness.run(for: start + 160_000 - harness.scheduleEstimate)
        // A new host connects within the watchdog window, while dot 2 runs.
        harness.connect(sessionID: 0x7777)
        harness.run(for: 5_000)
        #expect(harness.host.availableCredit >= 127)
        #expect(harness.board.state != .safe)
        // The new host can use every slot it was given without overflowing the queue.
        let next = harness.scheduleEstimate + 400_000
        for first in stride(from: 100, to: 100 + 127, by: 64) {
            let count = min(64, 100 + 127 - first)
            harness.send(
                .dotTrain(
                    BoardHarness.train(
                        firstID: UInt32(first), count: count, start: next + UInt64(first - 100) * 200_000,
                        x: 102_000 + Int32(first - 100) * 700, strokes: 4, spacing: 200_000, step: 700)))
        }
        harness.run(for: 1_000_000)
        #expect(harness.faults.isEmpty, "faults: \(harness.faults)")
        // Only dots started before the reconnect were executed from the old session.
        harness.run(for: 8_000_000)
        let oldDots = harness.completions.filter { $0.outcome != .discarded }.map(\.dotID).filter { $0 < 100 }
        #expect(!oldDots.isEmpty && oldDots.count <= 3, "old-session dots reported: \(oldDots)")
    }

    @Test("a long stream within the credit runs clean, with completions batched")
    func streaming() throws {
        var harness = try BoardHarness()
        let start = harness.prepare()
        var next = 0
        let total = 200
        while harness.completions.count < total && harness.now < 60_000_000 {
            while next < total && harness.host.availableCredit >= 16 && harness.host.canSend {
                harness.send(
                    .dotTrain(
                        BoardHarness.train(
                            firstID: UInt32(next + 1), count: 16, start: start + 100_000 + UInt64(next) * 170_000,
                            x: (next / 16) % 2 == 0 ? 100_000 : 115_000, y: 100_000 + Int32(next / 16) * 1000,
                            spacing: 170_000, step: (next / 16) % 2 == 0 ? 1000 : -1000)))
                next += 16
            }
            harness.run(for: 50_000)
        }
        #expect(harness.faults.isEmpty)
        #expect(harness.completions.count >= total)
        #expect(harness.completions.allSatisfy { $0.outcome == .completed && $0.strokesDelivered == 4 })
        let batches = harness.received.filter {
            if case .completions = $0.message { return true } else { return false }
        }
        // Batches of 32 records (or 6 s, ~35 dots at 170 ms a dot).
        #expect(batches.count <= total / 20)
    }

    @Test("nothing in the controller may import the simulator")
    func truthStaysInSimulator() throws {
        let sources = Fixtures.packageRoot.appendingPathComponent("Sources")
        for module in ["SMPControl", "SMPCalibration", "SMPMotion", "SMPPlanning", "SMPWire"] {
            let directory = sources.appendingPathComponent(module)
            guard let files = FileManager.default.enumerator(atPath: directory.path) else { continue }
            for case let file as String in files where file.hasSuffix(".swift") {
                let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
                #expect(!text.contains("import SMPBoardSim"), "\(module)/\(file) imports SMPBoardSim")
            }
        }
    }

    private func expectSafe(_ board: SimulatedBoard, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(board.state == .safe, sourceLocation: sourceLocation)
        #expect(board.physics.motor.target == 0, sourceLocation: sourceLocation)
        #expect(board.physics.z.endPosition <= -2 + 1e-9, sourceLocation: sourceLocation)
        let time = Double(board.now) / 1_000_000 + 1
        #expect(
            !board.physics.x.isMoving(at: time) && !board.physics.y.isMoving(at: time), sourceLocation: sourceLocation)
    }
}

@Suite("Firmware model: frame-check storm")
struct FrameCheckStormTests {
    @Test("more than 20 frame errors within a second while armed is a frame-check storm")
    func storm() throws {
        var harness = try BoardHarness()
        _ = harness.prepare()
        // 25 short bursts of bytes that are not frames, 10 ms apart: each is one frame error.
        for _ in 0..<25 {
            harness.bench.hostWrites([0x7E, 0x01, 0x02, 0x03, 0x7E])
            harness.run(for: 10_000)
        }
        let fault = try #require(harness.faults.first)
        #expect(fault.code == .frameCheckStorm)
        #expect(fault.value == 21)
        #expect(harness.board.state == .safe)
    }
}
