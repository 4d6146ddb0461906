import Foundation
import SMPHardware
import SMPWire
import Testing

@testable import SMPBoardSim

/// Issue 9, section 3: the bugs the independent host found, each pinned by a test.
@Suite("Board contract v2: counting, outcomes, resume, reports")
struct BoardContractTests {
    @Test("counted strokes are exactly the full-depth bottoms, in the report and in the truth (curved scalp, 20 seeds)")
    func countedEqualsFullDepth() throws {
        var dotsChecked = 0
        for seed in UInt64(1)...20 {
            var harness = try BoardHarness(skin: .fitzpatrick1to3, surface: .curved, seed: seed)
            let start = harness.prepare()
            harness.send(
                .dotTrain(
                    BoardHarness.train(
                        firstID: 1, count: 24, start: start + 200_000, x: 90_000, hang: 900, strokes: 4,
                        spacing: 400_000, step: 1_500)))
            harness.run(for: 17_000_000)
            let truth = harness.board.truth()
            for completion in harness.completions {
                let dot = try #require(truth.dots.first { $0.dotID == completion.dotID })
                #expect(completion.strokesDelivered == dot.strokesCounted, "seed \(seed) dot \(dot.dotID)")
                #expect(dot.strokes.filter(\.counted).count == dot.strokesCounted, "seed \(seed) dot \(dot.dotID)")
                #expect(dot.strokes.filter(\.fullDepth).count == dot.strokesCounted, "seed \(seed) dot \(dot.dotID)")
                // A counted stroke is a real contact: its load is never the "0" of a bottom that did not happen.
                #expect(dot.strokes.filter(\.counted).allSatisfy { $0.touchesSkin }, "seed \(seed) dot \(dot.dotID)")
                dotsChecked += 1
            }
            #expect(harness.completions.filter { $0.outcome == .completed }.count == 24, "seed \(seed)")
        }
        try #require(dotsChecked == 480)
    }

    @Test("resume after a hold between dots waits for the motor: the next dot runs, nothing is late")
    func resumeBetweenDots() throws {
        var harness = try BoardHarness()
        let start = harness.prepare()
        harness.send(.dotTrain(BoardHarness.train(firstID: 1, count: 2, start: start, spacing: 600_000)))
        // Dot 1 is done long before dot 2 starts: hold 30 ms before dot 2's start, when no dot is in progress.
        harness.run(for: 2_000_000) { $0.board.scheduleTime >= start + 570_000 }
        #expect(harness.board.countedStrokesOfCurrentDot == 0)
        try #require(harness.board.truth().dots.count == 1)
        harness.send(.hold)
        harness.run(for: 500_000)
        #expect(harness.board.physics.motor.rate(at: Double(harness.board.now) / 1e6) < 20)
        harness.send(.resume)
        harness.run(for: 8_000_000)
        #expect(harness.faults.isEmpty, "\(harness.faults)")
        #expect(harness.completions.map(\.outcome) == [.completed, .completed])
        let second = try #require(harness.board.truth().dots.last)
        #expect(second.strokesCounted == 4)
        // Its strokes ran within 1 % of the commanded 120 Hz.
        #expect(second.strokes.filter(\.counted).allSatisfy { abs($0.rateHz - 120) <= 1.2 })
    }

    @Test(
        "one outcome rule: refused at its start check is rejected, cut after its dip is interrupted, flushed is discarded"
    )
    func outcomeRule() throws {
        // The motor is stopped when the dot comes: refused before it went towards the skin.
        var stopped = try BoardHarness()
        stopped.connect()
        stopped.arm()
        stopped.send(.surfaceGrid(.flat))
        stopped.send(
            .dotTrain(BoardHarness.train(firstID: 1, count: 3, start: stopped.scheduleEstimate + 50_000)))
        stopped.run(for: 1_000_000)
        #expect(stopped.faults.first?.code == .strokeRateOutOfRange)
        #expect(stopped.completions.map(\.outcome) == [.rejected, .discarded, .discarded])
        #expect(stopped.completions.allSatisfy { $0.peakLoads.isEmpty })
        #expect(stopped.board.truth().summary.skinContacts == 0)

        // Held with dots queued, then flushed: the queued dots are reported discarded.
        var flushed = try BoardHarness()
        let start = flushed.prepare()
        flushed.send(.dotTrain(BoardHarness.train(firstID: 1, count: 5, start: start + 500_000)))
        flushed.run(for: 100_000)
        flushed.send(.hold)
        flushed.send(.flushQueue)
        flushed.run(for: 7_000_000)
        #expect(flushed.completions.map(\.outcome) == Array(repeating: .discarded, count: 5))
        #expect(flushed.board.truth().dots.allSatisfy { $0.outcome == "discarded" && $0.strokes.isEmpty })
    }

    @Test("a hold's lift stroke counts when it reached full depth; a shallower one is a partial contact in the truth")
    func holdLiftStroke() throws {
        var liftCounted = 0
        var partial = 0
        for delay in stride(from: UInt64(0), to: 8_000, by: 500) {
            var harness = try BoardHarness()
            let start = harness.prepare()
            harness.send(.dotTrain(BoardHarness.train(firstID: 1, count: 1, start: start, strokes: 8)))
            harness.run(for: 2_000_000) { $0.board.countedStrokesOfCurrentDot >= 2 }
            harness.run(for: delay)
            let countedAtHold = harness.board.countedStrokesOfCurrentDot
            let holdAt = harness.board.now
            harness.send(.hold)
            harness.run(for: 300_000)
            harness.send(.resume)
            harness.run(for: 7_000_000)
            let truth = try #require(harness.board.truth().dots.first)
            #expect(truth.strokesCounted == 8)
            let afterHold = truth.strokes.filter {
                $0.boardTimeMicros >= holdAt && $0.boardTimeMicros < holdAt + 60_000
            }
            for stroke in afterHold where stroke.touchesSkin {
                #expect(stroke.counted == stroke.fullDepth)
                if stroke.counted { liftCounted += 1 } else { partial += 1 }
            }
            #expect(countedAtHold < 8)
        }
        // Among the hold times tried, bottoms during the lift touched the skin; each was counted exactly when it was
        // at full depth.
        try #require(liftCounted + partial > 0, "lift strokes: \(liftCounted) counted, \(partial) partial")
    }

    @Test("finished_at is when the last record's dot ended, not when the batch went out")
    func finishedAt() throws {
        var harness = try BoardHarness()
        let start = harness.prepare()
        harness.send(.dotTrain(BoardHarness.train(firstID: 1, count: 3, start: start)))
        harness.run(for: 1_500_000)
        // The batch is still held (6 s timer); a fault flushes it 1 s after the last dot ended.
        harness.send(.emergencyStop)
        harness.run(for: 200_000)
        let batch = try #require(
            harness.received.compactMap { if case .completions(let batch) = $0.message { batch } else { nil } }.first)
        let last = try #require(harness.board.truth().dots.first { $0.dotID == batch.completions.last?.dotID })
        #expect(batch.finishedAt == last.endBoardTimeMicros)
        #expect(harness.board.truth().faults.first.map { $0.boardTimeMicros > batch.finishedAt + 500_000 } == true)
    }

    @Test("pending_completions in the hello counts completion records, not frames")
    func pendingCountsRecords() throws {
        var harness = try BoardHarness()
        let start = harness.prepare()
        harness.send(.dotTrain(BoardHarness.train(firstID: 1, count: 5, start: start)))
        harness.run(for: 1_200_000)
        // The host goes silent: the watchdog trips, the board sends its records and the fault, nobody acknowledges.
        harness.silent = true
        let silentFrom = harness.received.count
        harness.run(for: 400_000)
        let unacknowledged = harness.received[silentFrom...].reduce(0) { total, entry in
            if case .completions(let batch) = entry.message { return total + batch.completions.count }
            return total
        }
        try #require(unacknowledged >= 2)
        harness.silent = false
        harness.connect(sessionID: 0x4242)
        guard case .board(let hello)? = harness.host.peerHello else {
            Issue.record("no hello")
            return
        }
        #expect(hello.pendingCompletions == UInt32(unacknowledged))
    }

    @Test("status: dot_in_progress names the running dot; queue_depth counts only commands not started")
    func statusDotInProgress() throws {
        var harness = try BoardHarness()
        let start = harness.prepare()
        harness.send(.dotTrain(BoardHarness.train(firstID: 1, count: 6, start: start, strokes: 8, spacing: 300_000)))
        harness.run(for: 2_000_000) { $0.board.countedStrokesOfCurrentDot >= 2 }
        let running = UInt32(harness.board.truth().dots.count + 1)
        harness.send(.statusQuery)
        harness.run(for: 10_000)
        let status = try #require(harness.statuses.last)
        #expect(status.dotInProgress == running)
        #expect(status.queueDepth == 6 - running)
        // The running dot holds its slot: the free slots exclude it.
        #expect(status.queueFree == UInt32(128 - (6 - Int(running) + 1)))
        #expect(status.surfaceMode == .flat)
    }
}

/// Touch-off, the surface map and the cartridge model.
@Suite("Touch-off and the board's surface map")
struct TouchOffTests {
    @Test("a probed grid matches the true skin to 2 um at the nodes; no touch-off punctures or strays")
    func probedGridIsTrue() throws {
        var harness = try BoardHarness(skin: .thin, surface: .curved, seed: 7)
        harness.connect()
        harness.arm()
        let results = harness.probe(BoardHarness.ProbeArea())
        try #require(results.count == 50)
        let patient = harness.board.physics.patient
        for result in results {
            #expect(result.outcome == .contact)
            let truth = patient.surfaceHeight(
                x: Double(result.xMicrometres) / 1000, y: Double(result.yMicrometres) / 1000)
            #expect(abs(Double(-result.contactZMicrometres) / 1000 - truth) <= 0.002, "\(result)")
            #expect(result.peakLoadMillinewtons >= 16 && result.peakLoadMillinewtons < 30)
        }
        let truth = harness.board.truth()
        #expect(truth.touchOffs.count == 50 && truth.touchOffs.allSatisfy { !$0.punctured })
        #expect(truth.strayStrokes.isEmpty)
        #expect(harness.statuses.last?.surfaceMode == .grid)
    }

    @Test("a dot over a place the map does not cover is refused no_surface, and so is one on an unmapped board")
    func noSurface() throws {
        var harness = try BoardHarness(surface: .curved)
        let start = harness.prepare()
        harness.send(.dotTrain(BoardHarness.train(firstID: 1, count: 1, start: start + 100_000, x: 150_000)))
        harness.run(for: 500_000)
        #expect(harness.faults.map(\.code) == [.noSurface])
        #expect(harness.faults.first?.value == 150_000 && harness.faults.first?.dotID == 1)
        #expect(harness.completions.map(\.outcome) == [.rejected])

        var unmapped = try BoardHarness()
        unmapped.connect()
        unmapped.arm()
        unmapped.send(.moveTo(MoveTo(startTime: unmapped.scheduleEstimate + 30_000, xMicrometres: 1, yMicrometres: 1)))
        unmapped.run(for: 200_000)
        #expect(unmapped.faults.map(\.code) == [.noSurface])
        #expect(unmapped.board.state == .safe)
    }

    @Test("no contact within the travel is probe_no_contact and the safe state")
    func noContact() throws {
        var harness = try BoardHarness(surface: .curved)
        harness.connect()
        harness.arm()
        // Far from the dome the skin is low: from -8 mm, 6 mm of descent stops at -2 mm, above it.
        harness.send(
            .touchOff(
                TouchOff(
                    startTime: harness.scheduleEstimate + 30_000, xMicrometres: 5_000, yMicrometres: 5_000,
                    approachMicrometres: -8_000, node: 0)))
        harness.run(for: 5_000_000) { !$0.faults.isEmpty }
        #expect(harness.touchOffResults.map(\.outcome) == [.noContact])
        #expect(harness.faults.map(\.code) == [.probeNoContact])
        #expect(harness.faults.first?.value == -2_000)
        #expect(harness.board.state == .safe)
    }

    @Test("a load past the force limit is probe_force_limit and the safe state, without a puncture")
    func forceLimit() throws {
        var json = try Fixtures.boardJSON()
        var probe = try require(json["probe"] as? [String: Any])
        probe["force_limit_mn"] = 17
        json["probe"] = probe
        let board = try BoardDefinition.decode(try JSONSerialization.data(withJSONObject: json), source: "test")
        var harness = try BoardHarness(surface: .curved, seed: 3, board: board)
        harness.connect()
        harness.arm()
        // The approach is set 1 mm into the skin: the contact is met at the approach speed and stops 10 um later.
        let surface = harness.board.physics.patient.surfaceHeight(x: 100, y: 100)
        harness.send(
            .touchOff(
                TouchOff(
                    startTime: harness.scheduleEstimate + 30_000, xMicrometres: 100_000, yMicrometres: 100_000,
                    approachMicrometres: Int32((-surface + 1) * 1000), node: 0)))
        harness.run(for: 5_000_000) { !$0.faults.isEmpty }
        #expect(harness.touchOffResults.map(\.outcome) == [.forceLimit])
        #expect(harness.faults.map(\.code) == [.probeForceLimit])
        let truth = try #require(harness.board.truth().touchOffs.first)
        #expect(!truth.punctured && truth.peakLoadN > 0.017 && truth.peakLoadN < 0.030)
    }

    @Test("a host that knows only the board's reports needles the curved scalp at the intended local depth")
    func intendedLocalDepth() throws {
        var checked = 0
        var worst = 0.0
        for seed in UInt64(1)...5 {
            var harness = try BoardHarness(skin: .fitzpatrick1to3, surface: .curved, seed: seed)
            let start = harness.prepare()
            harness.send(
                .dotTrain(
                    BoardHarness.train(
                        firstID: 1, count: 20, start: start + 200_000, x: 86_000, y: 97_000, hang: 1_100, strokes: 4,
                        lift: 300, spacing: 400_000, step: 2_100)))
            harness.run(for: 16_000_000)
            #expect(harness.faults.isEmpty, "seed \(seed): \(harness.faults)")
            let membrane = harness.board.setup.handpiece.membraneLossMM.value
            for dot in harness.board.truth().dots {
                for stroke in dot.strokes where stroke.counted {
                    // Intended intrusion = local hang - membrane loss; the rest is the map's interpolation error
                    // on the 5 mm grid, the contact measurement (1.5 um) and the Z resolution (0.5 um).
                    worst = max(worst, abs(stroke.intrusionMM - (1.1 - membrane)))
                    checked += 1
                }
            }
        }
        try #require(checked == 400)
        #expect(worst <= 0.008, "worst depth error \(worst * 1000) um")
    }

    @Test(
        "a fitted cartridge makes the map unverified until a touch-off at a stored node re-zeroes it; then its own needle depth"
    )
    func cartridgeChange() throws {
        var harness = try BoardHarness(surface: .curved)
        let start = harness.prepare()
        harness.send(.cartridgeFitted(CartridgeFitted(cartridge: "1RL 0.18")))
        harness.run(for: 100_000)
        #expect(harness.faults.map(\.code) == [.notSafe])
        harness.send(.cartridgeFitted(CartridgeFitted(cartridge: "9RL 0.99")))
        harness.run(for: 100_000)
        #expect(harness.faults.last?.code == .malformedCommand)
        harness.send(.cartridgeFitted(CartridgeFitted(cartridge: "1RL 0.18")))
        harness.run(for: 100_000)
        #expect(harness.statuses.last?.surfaceMode == .unverified)
        harness.arm()
        harness.send(.setStrokeRate(SetStrokeRate(startTime: harness.board.scheduleTime + 10_000, centihertz: 12_000)))
        harness.run(for: 400_000)
        harness.send(
            .dotTrain(BoardHarness.train(firstID: 1, count: 1, start: max(start, harness.board.scheduleTime + 50_000))))
        harness.run(for: 500_000)
        #expect(harness.faults.last?.code == .noSurface)
        #expect(harness.board.truth().summary.skinContacts == 0)
        harness.arm()
        // Node 0 of the default probe area, measured again with the new needle: the map shifts and is verified.
        harness.send(
            .touchOff(
                TouchOff(
                    startTime: harness.board.scheduleTime + 10_000, xMicrometres: 85_000, yMicrometres: 90_000,
                    approachMicrometres: -3_500, node: 1)))
        harness.run(for: 4_000_000) { $0.touchOffResults.count == 51 }
        harness.send(.statusQuery)
        harness.run(for: 20_000)
        #expect(harness.statuses.last?.surfaceMode == .grid)
        harness.send(.setStrokeRate(SetStrokeRate(startTime: harness.board.scheduleTime + 10_000, centihertz: 12_000)))
        harness.run(for: 400_000)
        harness.send(
            .dotTrain(
                BoardHarness.train(
                    firstID: 2, count: 4, start: harness.board.scheduleTime + 600_000, x: 100_000, hang: 1_000,
                    spacing: 400_000)))
        harness.run(for: 8_000_000)
        #expect(harness.completions.filter { $0.dotID >= 2 }.map(\.outcome) == Array(repeating: .completed, count: 4))
        // The 1RL 0.18 (nominal membrane loss 0.25 mm, needle 0.1 mm shorter) needles at its own intended depth.
        let dots = harness.board.truth().dots.filter { $0.dotID >= 2 }
        let counted = dots.flatMap { $0.strokes.filter(\.counted) }
        try #require(counted.count == 16)
        #expect(counted.allSatisfy { abs($0.intrusionMM - (1.0 - 0.25)) <= 0.008 })
        #expect(harness.board.truth().cartridges == ["3RL 0.25", "1RL 0.18"])
    }

    @Test("the serial number does not depend on the seed")
    func serialNumber() throws {
        let board = try Fixtures.board()
        let serials = Set(
            (UInt64(1)...20).map { SimulationSetup(board: board, skinType: .thin, seed: $0 * 7_919).serialNumber })
        #expect(serials.count == 1)
    }

    @Test("a detail train reports every stroke bottom of each dot, ramps included, with the puncture signature")
    func detailReportsEveryBottom() throws {
        var harness = try BoardHarness(skin: .fitzpatrick1to3, surface: .curved, seed: 5)
        let start = harness.prepare()
        var train = BoardHarness.train(firstID: 1, count: 6, start: start + 200_000, strokes: 12, spacing: 400_000)
        train.strokeDetail = true
        harness.send(.dotTrain(train))
        harness.run(for: 9_000_000)
        let details = harness.received.compactMap {
            if case .strokeDetail(let detail) = $0.message { detail } else { nil }
        }
        let truth = harness.board.truth()
        try #require(truth.dots.count == 6 && truth.dots.allSatisfy { $0.outcome == "completed" })
        var punctureSignatures = 0
        for dot in truth.dots {
            // Twelve strokes and the ramps exceed one report: split, in order.
            let samples = details.filter { $0.dotID == dot.dotID }.flatMap(\.strokes)
            #expect(details.filter { $0.dotID == dot.dotID }.count >= 2)
            #expect(samples.count == dot.strokes.count)
            #expect(samples.map(\.counted) == dot.strokes.map(\.counted))
            #expect(samples.filter(\.counted).count == 12)
            // Ramp bottoms are there too, shallower than the counted ones.
            #expect(samples.contains { !$0.counted && $0.zMicrometres < 1_100 })
            for (sample, stroke) in zip(samples, dot.strokes) where stroke.punctured {
                if sample.bottomLoadMillinewtons < sample.peakLoadMillinewtons { punctureSignatures += 1 }
                #expect(abs(Double(sample.rateCentihertz) / 100 - stroke.rateHz) < 0.01)
            }
        }
        try #require(punctureSignatures > 0)
        // A plain train pays one flags byte, no detail reports.
        var plain = try BoardHarness()
        let plainStart = plain.prepare()
        plain.send(.dotTrain(BoardHarness.train(firstID: 1, count: 3, start: plainStart)))
        plain.run(for: 7_000_000)
        #expect(!plain.received.contains { if case .strokeDetail = $0.message { true } else { false } })
    }

    @Test(
        "the probe force limit is below the least puncture force of every catalogue cartridge on every simulated skin")
    func forceLimitMargin() throws {
        let board = try Fixtures.board()
        let catalogue = try CartridgeCatalogue.load(
            from: Fixtures.packageRoot.appendingPathComponent("Hardware/cartridges.json").path)
        let limit = Double(board.probe.forceLimitMN) / 1000
        var least = Double.infinity
        for skin in SkinType.allCases {
            for seed in UInt64(1)...200 {
                let patient = SimulatedPatient(skinType: skin, seed: seed)
                for cartridge in catalogue.cartridges {
                    let mechanics = SkinMechanics(
                        needleCount: cartridge.needleCount, needleDiameterMM: cartridge.diameterMM)
                    for x in stride(from: 20.0, through: 180, by: 40) {
                        for y in stride(from: 20.0, through: 180, by: 40) {
                            least = min(least, mechanics.punctureForce(patient.tissue(x: x, y: y), reopening: false))
                        }
                    }
                }
            }
        }
        try #require(least.isFinite)
        // Measured: the least is 44 mN (1RL 0.18 on thin skin, 200 patients a type); the limit is 30 mN, 68 % of it.
        #expect(limit < least * 0.8, "force limit \(limit * 1000) mN, least puncture force \(least * 1000) mN")
    }

}
