import Foundation
import SMPBoardSim
import SMPHardware
import SMPWire
import Testing

@Suite("Board crystal and USB link timing")
struct ClockAndLinkTests {
    @Test("the crystal stays within its bound, wanders under 1 ppm a minute, and starts from a seeded epoch")
    func crystalBounds() {
        var epochs: Set<UInt64> = []
        var offsets: [Double] = []
        for seed in UInt64(1)...200 {
            let clock = BoardClock(errorBoundPPM: 100, epoch: nil, seed: seed)
            epochs.insert(clock.epoch)
            offsets.append(clock.offsetPPM)
            var previous = clock.errorPPM(at: 0)
            for minute in UInt64(1)...180 {
                let error = clock.errorPPM(at: minute * 60_000_000)
                #expect(abs(error) <= 100)
                #expect(abs(error - previous) < 1)
                previous = error
            }
            #expect(clock.boardTime(atTrueTime: 0) == clock.epoch)
            #expect(clock.epoch < 1 << 32)
        }
        #expect(epochs.count == 200)
        // The errors spread over the bound, both signs.
        #expect(offsets.contains { $0 > 50 } && offsets.contains { $0 < -50 })
        #expect(
            BoardClock(errorBoundPPM: 100, epoch: nil, seed: 7) == BoardClock(errorBoundPPM: 100, epoch: nil, seed: 7))
    }

    @Test("board time advances at the crystal's rate and inverts exactly to the first true microsecond")
    func crystalMapping() {
        let clock = BoardClock(errorBoundPPM: 100, epoch: nil, seed: 11)
        let hour: UInt64 = 3_600_000_000
        let gained = Double(clock.boardTime(atTrueTime: hour) - clock.epoch) - Double(hour)
        #expect(abs(gained) <= 100e-6 * Double(hour))
        #expect(abs(gained) > 0)
        var random = SeededGenerator(seed: 3, stream: "clock-test")
        for _ in 0..<2_000 {
            let board = clock.epoch + random.next() % (2 * hour)
            let t = clock.trueTime(atBoardTime: board)
            #expect(clock.boardTime(atTrueTime: t) >= board)
            #expect(t == 0 || clock.boardTime(atTrueTime: t - 1) < board)
        }
        for t in stride(from: UInt64(0), to: 10_000_000, by: 997) {
            #expect(clock.boardTime(atTrueTime: t + 1) >= clock.boardTime(atTrueTime: t))
        }
        #expect(clock.trueTime(atBoardTime: .max) == .max)
        #expect(BoardClock(errorBoundPPM: 0, epoch: 0, seed: 11).boardTime(atTrueTime: hour) == hour)
    }

    @Test("converting from a nearby conversion gives Newton's answer, bit for bit, and round-trips through JSON")
    func conversionFromAnAnchor() throws {
        var random = SeededGenerator(seed: 5, stream: "clock-anchor-test")
        for seed in UInt64(1)...20 {
            let clock = BoardClock(errorBoundPPM: 100, epoch: nil, seed: seed)
            var anchorBoard = clock.epoch + random.next() % 3_600_000_000
            var anchor = (board: anchorBoard, trueTime: clock.trueTime(atBoardTime: anchorBoard))
            for _ in 0..<200 {
                // Steps from a microsecond to beyond the ten seconds the shortcut covers, either way.
                let step = random.next() % 12_000_000
                anchorBoard =
                    random.next() % 4 == 0 && anchorBoard > clock.epoch + step ? anchorBoard - step : anchorBoard + step
                let exact = clock.trueTime(atBoardTime: anchorBoard)
                #expect(clock.trueTime(atBoardTime: anchorBoard, near: anchor) == exact)
                anchor = (anchorBoard, exact)
            }
            #expect(clock.trueTime(atBoardTime: .max, near: anchor) == .max)
            #expect(clock.trueTime(atBoardTime: clock.epoch, near: anchor) == 0)
            let decoded = try JSONDecoder().decode(BoardClock.self, from: JSONEncoder().encode(clock))
            #expect(decoded == clock)
            #expect(decoded.trueTime(atBoardTime: anchorBoard) == clock.trueTime(atBoardTime: anchorBoard))
        }
    }

    @Test("ppm, epoch and usb parse; ppm=0,epoch=0us makes board time true time")
    func clockSpec() throws {
        let plan = try FaultPlan(parsing: "ppm=20,epoch=5s,usb=off")
        #expect(plan.crystalErrorBoundPPM == 20)
        #expect(plan.boardEpoch == 5_000_000)
        #expect(!plan.usbTiming)
        let defaults = FaultPlan()
        #expect(defaults.crystalErrorBoundPPM == 100 && defaults.boardEpoch == nil && defaults.usbTiming)
        let setup = SimulationSetup(
            board: try Fixtures.board(), skinType: .thin, seed: 9, faults: try FaultPlan(parsing: "ppm=0,epoch=0us"))
        #expect(setup.clock.boardTime(atTrueTime: 123_456_789) == 123_456_789)
        for (spec, key) in [("ppm=-1", "ppm"), ("ppm=2000", "ppm"), ("usb=maybe", "usb"), ("epoch=3", "epoch")] {
            let error = #expect(throws: SimulatorInputError.self) { try FaultPlan(parsing: spec) }
            #expect(error?.field == key)
        }
    }

    @Test("USB: a write leaves at the next 1 ms frame and arrives 0.5-1 ms later; seeded 5-20 ms stalls; order kept")
    func usbTiming() throws {
        var link = LinkFaultInjector(plan: FaultPlan(), seed: 4, label: "host-to-board")
        var sent: [UInt64] = []
        var time: UInt64 = 0
        for index in 0..<20_000 {
            time += 300 + UInt64(index % 7) * 211
            link.send([UInt8(index % 100), 0x7E], at: time)
            sent.append(time)
        }
        var arrivals: [(time: UInt64, value: UInt8)] = []
        while let due = link.nextDeliveryTime {
            for byte in link.receive(upTo: due) where byte != 0x7E { arrivals.append((due, byte)) }
        }
        #expect(arrivals.count == sent.count)
        #expect(arrivals.map(\.value) == (0..<20_000).map { UInt8($0 % 100) })
        #expect(zip(arrivals, arrivals.dropFirst()).allSatisfy { $0.time <= $1.time })
        let latencies = zip(sent, arrivals).map { $1.time - $0 }
        #expect(latencies.allSatisfy { $0 > 500 })
        let normal = latencies.filter { $0 <= 2_000 }.count
        #expect(normal * 100 >= latencies.count * 95)
        #expect(latencies.max() ?? 0 <= 22_000)
        let stalls = link.counters.stalls
        // ~8,600 frames carried data: about 4 stalls expected at 1 in 2,000.
        #expect(stalls >= 1 && stalls <= 12)
        #expect(link.counters.stalledMicros >= UInt64(stalls) * 5_000)
        #expect(link.counters.stalledMicros <= UInt64(stalls) * 20_000)
    }

    @Test("on the bench the board's clock is its crystal's: the host sees another epoch and rate, as the truth says")
    func benchClock() throws {
        var harness = try BoardHarness(seed: 21)
        harness.connect()
        let hello = try #require(
            harness.host.peerHello.flatMap { if case .board(let hello) = $0 { hello } else { nil } })
        let clock = harness.bench.clock
        #expect(clock == harness.board.truth().boardClock)
        // The hello's board time is the crystal's reading when the board sent it, not host time.
        #expect(hello.boardTime != harness.now)
        let helloSentAt = clock.trueTime(atBoardTime: hello.boardTime)
        #expect(helloSentAt <= harness.now && harness.now - helloSentAt <= 2_100)
        // Two statuses 200 s apart: the host can estimate the crystal's rate from them, and finds the truth's.
        harness.send(.statusQuery)
        harness.run(for: 10_000)
        let first = try #require(harness.received.last { if case .status = $0.message { true } else { false } })
        harness.run(for: 200_000_000)
        harness.send(.statusQuery)
        harness.run(for: 10_000)
        let second = try #require(harness.received.last { if case .status = $0.message { true } else { false } })
        guard case .status(let a) = first.message, case .status(let b) = second.message else { return }
        let measuredPPM = (Double(b.boardTime - a.boardTime) / Double(second.time - first.time) - 1) * 1e6
        let truePPM = clock.errorPPM(at: (first.time + second.time) / 2)
        // Transit jitter of 1.5 ms over 200 s is 7.5 ppm at worst.
        #expect(abs(measuredPPM - truePPM) < 10)
        #expect(abs(measuredPPM) > 0.5 || abs(truePPM) < 0.5)
    }
}

@Suite("Link-loss timing on the bench (board crystal, USB link)")
struct BenchLinkLossTests {
    /// Connect, arm, then let the armed board idle for `duration` of host time.
    static func armedIdle(faults: String, seed: UInt64, duration: UInt64) throws -> BoardHarness {
        var harness = try BoardHarness(seed: seed, faults: faults)
        harness.connect()
        harness.arm()
        #expect(harness.board.state == .ready)
        harness.run(for: duration)
        return harness
    }

    @Test("1,000 s armed at 1e-3 frame loss and 1e-4 corruption: no watchdog trip, no lost link")
    func longSession() throws {
        let harness = try Self.armedIdle(faults: "drop=1e-3,corrupt=1e-4", seed: 5, duration: 1_000_000_000)
        let link = harness.bench.hostToBoard.counters
        try #require(link.framesDropped > 10 && link.bitsFlipped > 0)
        #expect(harness.faults.isEmpty, "faults: \(harness.faults)")
        #expect(harness.board.state == .ready)
        #expect(harness.host.isEstablished)
        #expect(!harness.hostEvents.contains { if case .linkFailed = $0 { true } else { false } })
    }

    @Test("60 s armed at 5 % frame loss: no watchdog trip, no lost link")
    func fivePercentLoss() throws {
        let harness = try Self.armedIdle(faults: "drop=0.05", seed: 6, duration: 60_000_000)
        try #require(harness.bench.hostToBoard.counters.framesDropped > 50)
        #expect(harness.faults.isEmpty, "faults: \(harness.faults)")
        #expect(harness.board.state == .ready)
        #expect(harness.host.isEstablished)
    }

    @Test("a host that stops sending trips the watchdog 100 ms after its last byte reached the board")
    func realHostLoss() throws {
        for seed in UInt64(1)...5 {
            var harness = try Self.armedIdle(faults: "", seed: seed, duration: 500_000 + seed * 37_000)
            harness.silent = true
            harness.run(for: 300_000)
            let lastWrite = try #require(harness.lastWriteAt)
            let truth = harness.board.truth()
            let trip = try #require(truth.faults.first)
            #expect(trip.code == "watchdog")
            let lastHeard = try #require(harness.board.lastHeardFromHost)
            // Board time: the watchdog limit exactly, to the microsecond the board model steps in.
            #expect(trip.boardTimeMicros >= lastHeard + 100_000 && trip.boardTimeMicros <= lastHeard + 100_001)
            // True time from the host's last write: the link's transit plus 100 ms of the crystal's time.
            let tripAt = harness.bench.clock.trueTime(atBoardTime: trip.boardTimeMicros)
            #expect(tripAt > lastWrite + 100_000 - 50 && tripAt <= lastWrite + 100_000 + 2_100)
        }
    }
}
