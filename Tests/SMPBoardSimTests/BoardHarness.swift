import Foundation
import SMPBoardSim
import SMPHardware
import SMPWire
import Testing

/// A protocol-v1 host session wired to a simulated board on a virtual bench: the tests' stand-in for the controller.
///
/// The bench is honest about time: the board has a seeded crystal (error, wander, epoch) and the link USB timing.
/// ``now`` is the host's (true) time; start times are computed from ``scheduleEstimate``, the board's schedule clock
/// as the host knows it from the last hello or status, never from the board's internals.
struct BoardHarness {
    var bench: VirtualBench<SimulatedBoard>
    var host = WireSession(configuration: SessionConfiguration(role: .host))
    /// Every message the board sent, in order, with the virtual time the host received it.
    var received: [(time: UInt64, message: Message)] = []
    var hostEvents: [SessionEvent] = []
    /// Every byte the board put on the wire towards the host, for replay comparisons.
    var boardBytes: [UInt8] = []
    /// When true the host writes nothing (not even heartbeats): a yanked cable on the host side.
    var silent = false
    /// When the host last put bytes on the link.
    var lastWriteAt: UInt64?
    /// The board's schedule time at a host time, from the last hello or status the host received.
    var clockReference: (schedule: UInt64, hostTime: UInt64)?
    let surface: SimulatedPatient.Surface

    init(
        skin: SkinType = .fitzpatrick1to3, surface: SimulatedPatient.Surface = .flat, seed: UInt64 = 1,
        faults: String = "", board: BoardDefinition? = nil
    ) throws {
        self.surface = surface
        let plan = try FaultPlan(parsing: faults)
        var setup = SimulationSetup(
            board: try board ?? Fixtures.board(), skinType: skin, surface: surface, seed: seed, faults: plan,
            faultSpec: faults,
            homeXMM: 100, homeYMM: 100)
        setup.catalogue = try CartridgeCatalogue.load(
            from: Fixtures.packageRoot.appendingPathComponent("Hardware/cartridges.json").path)
        bench = VirtualBench(setup: setup)
    }

    /// The board's schedule time now, as the host estimates it: the last reported schedule time plus the host time
    /// since. It lags the board by the report's transit (0.5-2 ms over USB, up to 22 ms in a stall) and drifts by
    /// the crystal's error (at most 100 µs a second since the report), so the tests schedule at least 30 ms ahead
    /// (the 5 ms lead, a stall of the command itself, the transit) and call ``syncClock()`` after long waits.
    var scheduleEstimate: UInt64 {
        guard let reference = clockReference else {
            Issue.record("no hello or status yet: the host does not know the board's clock")
            return 0
        }
        return reference.schedule + (now - reference.hostTime)
    }

    var now: UInt64 { bench.now }
    var board: SimulatedBoard { bench.board }

    /// Connects a new session and runs until it is established.
    mutating func connect(sessionID: UInt32 = 0x5151) {
        host.connect(sessionID: sessionID, hostSoftware: "smpboardsim-tests", now: now)
        run(for: 3_000_000) { $0.host.isEstablished }
    }

    /// Sends a message reliably.
    mutating func send(_ message: Message) {
        do {
            try host.send(message, now: now)
        } catch {
            Issue.record("host could not send \(message.type): \(error)")
        }
        pump()
    }

    mutating func arm() {
        send(.arm)
        run(for: 20_000)
    }

    /// Polls the host and puts its bytes on the link (unless silent).
    mutating func pump() {
        let (bytes, events) = host.poll(now: now)
        hostEvents += events
        if !silent && !bytes.isEmpty {
            bench.hostWrites(bytes)
            lastWriteAt = now
        }
    }

    /// Runs the bench for `duration` µs of virtual time, or until `stop` holds.
    mutating func run(for duration: UInt64, until stop: ((BoardHarness) -> Bool)? = nil) {
        let end = now + duration
        while now < end {
            pump()
            let next = [bench.nextEventTime, host.nextDeadline].compactMap { $0 }.map { max($0, now + 1) }.min() ?? end
            let bytes = bench.run(until: min(next, end))
            if !bytes.isEmpty {
                boardBytes += bytes
                let events = host.receive(bytes, now: now)
                hostEvents += events
                for event in events {
                    switch event {
                    case .message(let message), .priority(let message):
                        received.append((now, message))
                        if case .status(let status) = message { clockReference = (status.scheduleTime, now) }
                    case .established(.board(let hello)):
                        clockReference = (hello.boardTime, now)
                    default: break
                    }
                }
            }
            pump()
            if let stop, stop(self) { return }
        }
    }

    var faults: [Fault] {
        received.compactMap { if case .fault(let fault) = $0.message { return fault } else { return nil } }
    }

    var completions: [DotCompletion] {
        received.flatMap {
            if case .completions(let batch) = $0.message { return batch.completions } else { return [] }
        }
    }

    var statuses: [BoardStatus] {
        received.compactMap { if case .status(let status) = $0.message { return status } else { return nil } }
    }

    /// A train of dots in a row from (x, y), `step` µm apart in X, one every `spacing` µs from `start` (schedule time).
    static func train(
        firstID: UInt32, count: Int, start: UInt64, x: Int32 = 100_000, y: Int32 = 100_000, hang: Int32 = 1_200,
        strokes: UInt8 = 4, rate: UInt32 = 12_000, lift: UInt32 = 500, spacing: UInt64 = 150_000, step: Int32 = 1000
    ) -> DotTrain {
        let dots = (0..<count).map { index in
            DotCommand(
                id: firstID + UInt32(index), startTime: start + UInt64(index) * spacing,
                xMicrometres: x + Int32(index) * step, yMicrometres: y, hangMicrometres: hang)
        }
        return DotTrain(strokesPerDot: strokes, strokeRateCentihertz: rate, liftMicrometres: lift, dots: dots)
    }

    /// Asks for a status and waits for it. The board stamped it after the query left, so its schedule time plus
    /// the host time since the query is never behind the board (by at most the round trip, retransmissions
    /// included, ahead of it): start times from ``scheduleEstimate`` are then never late for transit or loss.
    mutating func syncClock() {
        let before = statuses.count
        let queriedAt = now
        send(.statusQuery)
        run(for: 500_000) { $0.statuses.count > before }
        if let status = statuses.last, statuses.count > before { clockReference = (status.scheduleTime, queriedAt) }
    }

    /// Connect, arm, give the board its surface (the flat declaration on a flat patch, a probed grid over
    /// `area` on a curved one), and bring the motor to `rate` Hz; returns the schedule time it is at speed.
    mutating func prepare(rate: UInt32 = 12_000, area: ProbeArea = ProbeArea()) -> UInt64 {
        connect()
        arm()
        if surface == .flat {
            send(.surfaceGrid(.flat))
        } else {
            probe(area)
            // Probing takes a while: the crystal may have drifted by milliseconds since the last report.
            syncClock()
            // Back over the patch centre, where the tests' trains start.
            send(.moveTo(MoveTo(startTime: scheduleEstimate + 10_000, xMicrometres: 100_000, yMicrometres: 100_000)))
        }
        let start = scheduleEstimate + 30_000
        send(.setStrokeRate(SetStrokeRate(startTime: start, centihertz: rate)))
        run(for: 400_000)
        return scheduleEstimate + 30_000
    }

    /// A grid of touch-off nodes, in um.
    struct ProbeArea {
        var originX: Int32 = 85_000
        var originY: Int32 = 90_000
        var spacing: UInt32 = 5_000
        var nx: UInt8 = 10
        var ny: UInt8 = 5
        var approach: Int32 = -3_500
    }

    /// Declares `area` as the grid and touches off every node of it, as a host that knows nothing of the skin does;
    /// returns the results in node order.
    @discardableResult
    mutating func probe(_ area: ProbeArea) -> [TouchOffResult] {
        let grid = SurfaceGrid(
            originXMicrometres: area.originX, originYMicrometres: area.originY, spacingMicrometres: area.spacing,
            nx: area.nx, ny: area.ny)
        send(.surfaceGrid(grid))
        let before = touchOffResults.count
        let nodes = Int(area.nx) * Int(area.ny)
        var sent = 0
        while sent < nodes {
            guard host.availableCredit > 0, host.canSend else {
                run(for: 50_000)
                continue
            }
            let position = grid.position(ofNode: sent)
            send(
                .touchOff(
                    TouchOff(
                        startTime: scheduleEstimate + 30_000, xMicrometres: Int32(position.x),
                        yMicrometres: Int32(position.y), approachMicrometres: area.approach, node: UInt32(sent + 1))))
            sent += 1
        }
        run(for: UInt64(nodes) * 3_000_000) { $0.touchOffResults.count - before >= nodes || !$0.faults.isEmpty }
        return Array(touchOffResults[before...])
    }

    var touchOffResults: [TouchOffResult] {
        received.compactMap { if case .touchOffResult(let result) = $0.message { return result } else { return nil } }
    }
}
