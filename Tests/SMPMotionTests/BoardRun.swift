import Foundation
import SMPBoardSim
import SMPHardware
import SMPMotion
import SMPWire
import Testing

/// A schedule executed by the simulated board over wire bytes in virtual time, with the board time at which each
/// dot really ended (the instant the board finished it, read from its running summary event by event; the truth's
/// records say the same).
struct BoardRun {
    var bench: VirtualBench<SimulatedBoard>
    var host = WireSession(configuration: SessionConfiguration(role: .host))
    var faults: [Fault] = []
    var touchOffs: [TouchOffResult] = []
    /// Board time each dot ended, in completion order.
    var endTimes: [UInt64] = []

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A board with its seeded crystal (±100 ppm, wandering, arbitrary epoch) behind the USB-like link.
    init(homeXMM: Double, homeYMM: Double, seed: UInt64 = 7) throws {
        let board = try BoardDefinition.load(
            from: Self.packageRoot.appendingPathComponent("Hardware/smp-driver-r1/board.json").path)
        let setup = SimulationSetup(
            board: board, skinType: .fitzpatrick1to3, surface: .flat, seed: seed, homeXMM: homeXMM, homeYMM: homeYMM)
        bench = VirtualBench(setup: setup)
    }

    init(bench: VirtualBench<SimulatedBoard>) {
        self.bench = bench
    }

    var now: UInt64 { bench.now }

    /// Connects and arms; returns the board's schedule time then.
    mutating func connectAndArm() -> UInt64 {
        host.connect(sessionID: 0x4D4F, hostSoftware: "smpmotion-tests", now: now)
        step(until: now + 3_000_000) { $0.host.isEstablished }
        try? host.send(.arm, now: now)
        step(until: now + 20_000)
        return bench.board.scheduleTime
    }

    /// The schedule's commands in queue order, after the flat surface declaration: each rate change just before its
    /// dot, dots packed into trains.
    static func messages(for schedule: MotionSchedule) throws -> [Message] {
        var messages: [Message] = [.surfaceGrid(.flat)]
        var changes = schedule.rateChanges[...]
        var run: [DotCommand] = []
        var runShape: (UInt8, UInt32, UInt32)?
        func flush() throws {
            guard let shape = runShape, !run.isEmpty else { return }
            for train in try DotTrain.pack(
                run, strokesPerDot: shape.0, strokeRateCentihertz: shape.1, liftMicrometres: shape.2)
            {
                messages.append(.dotTrain(train))
            }
            run = []
        }
        for (index, dot) in schedule.dots.enumerated() {
            let shape = (UInt8(dot.strokes), dot.rateCentihertz, dot.liftMicrometres)
            if let runShape, runShape != shape { try flush() }
            if let change = changes.first, change.beforeDot == index {
                try flush()
                while let change = changes.first, change.beforeDot == index {
                    messages.append(
                        .setStrokeRate(SetStrokeRate(startTime: change.time, centihertz: change.centihertz)))
                    changes = changes.dropFirst()
                }
            }
            runShape = shape
            run.append(
                DotCommand(
                    id: UInt32(index + 1), startTime: dot.start, xMicrometres: dot.xMicrometres,
                    yMicrometres: dot.yMicrometres, hangMicrometres: dot.localHangMicrometres))
        }
        try flush()
        return messages
    }

    /// Streams `messages` within the board's credit and runs until `dots` dots have ended and `done` holds (or
    /// `limit` passes).
    mutating func execute(
        _ messages: [Message], dots: Int, limit: UInt64, done: @escaping (BoardRun) -> Bool = { _ in true }
    ) {
        var pending = messages[...]
        let end = now + limit
        step(until: end) { run in
            while let next = pending.first, run.host.canSend, run.host.availableCredit >= next.queueSlots {
                do { try run.host.send(next, now: run.now) } catch { break }
                pending = pending.dropFirst()
            }
            return run.endTimes.count >= dots && done(run)
        }
    }

    /// Advances event by event (every board deadline is a stop) until `stop` holds or `end`.
    mutating func step(until end: UInt64, stop: ((inout BoardRun) -> Bool)? = nil) {
        while now < end {
            if let stop, stop(&self) { return }
            pump()
            let next =
                [bench.nextEventTime, host.nextDeadline].compactMap { $0 }.map { max($0, now + 1) }.min() ?? end
            let completedBefore = bench.board.runningSummary.dotsCompleted
            let bytes = bench.run(until: min(next, end))
            let completed = bench.board.runningSummary.dotsCompleted
            if completed > completedBefore {
                endTimes += Array(repeating: bench.boardNow, count: completed - completedBefore)
            }
            if !bytes.isEmpty {
                for event in host.receive(bytes, now: now) {
                    if case .message(.fault(let fault)) = event { faults.append(fault) }
                    if case .priority(.fault(let fault)) = event { faults.append(fault) }
                    if case .message(.touchOffResult(let result)) = event { touchOffs.append(result) }
                }
            }
            pump()
        }
    }

    mutating func pump() {
        let (bytes, _) = host.poll(now: now)
        if !bytes.isEmpty { bench.hostWrites(bytes) }
    }
}
