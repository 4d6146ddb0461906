import Benchmark
import Foundation
import SMPBoardSim
import SMPHardware
import SMPWire

/// The reference board, read from the repository (this file is Benchmarks/Benchmarks/SimBenchmarks/…).
private func referenceBoard() -> BoardDefinition {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(
            "Hardware/smp-driver-r1/board.json"
        )
        .path
    do {
        return try BoardDefinition.load(from: path)
    } catch {
        fatalError("benchmark setup: \(error)")
    }
}

/// A whole session in virtual time: a host WireSession streams `dotCount` dots (serpentine 1 mm grid, 4 strokes at
/// 120 Hz, one dot every 170 ms of schedule time) in trains of 32 within the board's credit, to a SimulatedBoard
/// through the virtual bench, until every completion is in. Returns the simulated duration (µs).
private func simulateSession(dotCount: Int, board: BoardDefinition, seed: UInt64) -> (simulated: UInt64, completed: Int)
{
    // A flat patch, declared flat to the board: the benchmark measures throughput, not probing.
    let setup = SimulationSetup(
        board: board, skinType: .fitzpatrick1to3, surface: .flat, seed: seed, homeXMM: 10, homeYMM: 10)
    var bench = VirtualBench(setup: setup)
    var host = WireSession(configuration: SessionConfiguration(role: .host))
    var completed = 0
    var faults = 0

    func exchange(until time: UInt64) {
        let (bytes, _) = host.poll(now: bench.now)
        if !bytes.isEmpty { bench.hostWrites(bytes) }
        let next = [bench.nextEventTime, host.nextDeadline].compactMap { $0 }.map { max($0, bench.now + 1) }.min()
        let received = bench.run(until: min(next ?? time, time))
        if !received.isEmpty {
            for event in host.receive(received, now: bench.now) {
                switch event {
                case .message(.completions(let batch)): completed += batch.completions.count
                case .message(.fault), .priority(.fault): faults += 1
                default: break
                }
            }
        }
    }

    host.connect(sessionID: 1, hostSoftware: "sim-benchmark", now: 0)
    while !host.isEstablished && bench.now < 5_000_000 { exchange(until: bench.now + 10_000) }
    // The board's clock as the hello gave it (its crystal's epoch and rate are its own): board time ≈ host time +
    // offset. Dots are scheduled in board time, so the crystal's drift over the session only shifts when trains go.
    guard case .board(let hello) = host.peerHello else { fatalError("benchmark setup: no board hello") }
    let boardOffset = hello.boardTime &- bench.now
    var boardNow: UInt64 { bench.now &+ boardOffset }
    try? host.send(.arm, now: bench.now)
    try? host.send(.surfaceGrid(.flat), now: bench.now)
    try? host.send(.setStrokeRate(SetStrokeRate(startTime: boardNow + 20_000, centihertz: 12_000)), now: bench.now)
    exchange(until: bench.now + 1_000)

    let columns = 180
    let spacing: UInt64 = 170_000
    let firstStart = boardNow + 500_000
    var next = 0
    while completed < dotCount && faults == 0 {
        // Stream trains while credit allows and their start is within ~8 s (queue depth in time).
        while next < dotCount && host.canSend {
            let count = min(32, dotCount - next)
            guard host.availableCredit >= count else { break }
            let start = firstStart + UInt64(next) * spacing
            guard start < boardNow + 8_000_000 else { break }
            let dots = (next..<(next + count)).map { index in
                let row = index / columns
                let column = row % 2 == 0 ? index % columns : columns - 1 - index % columns
                return DotCommand(
                    id: UInt32(index + 1), startTime: firstStart + UInt64(index) * spacing,
                    xMicrometres: Int32(10_000 + column * 1000), yMicrometres: Int32(10_000 + row * 1000),
                    hangMicrometres: 1_200)
            }
            do {
                try host.send(
                    .dotTrain(
                        DotTrain(strokesPerDot: 4, strokeRateCentihertz: 12_000, liftMicrometres: 500, dots: dots)),
                    now: bench.now)
            } catch {
                break
            }
            next += count
        }
        exchange(until: bench.now + 50_000)
    }
    if faults > 0 { fatalError("benchmark session faulted after \(completed) dots") }
    return (bench.now, completed)
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput], maxDuration: .seconds(10), maxIterations: 20)
    let board = referenceBoard()

    // Physics and skin alone: 60 s of simulated time with the motor at 120 Hz and the needle in the skin the whole
    // time while X/Y sweep the patch (7,200 strokes, each evaluated exactly at its bottom).
    Benchmark("physics+skin: 60 s simulated, 120 Hz, needle in skin") { benchmark in
        for _ in benchmark.scaledIterations {
            var physics = RigPhysics(
                board: board, handpiece: .rotaryR1, patient: SimulatedPatient(skinType: .fitzpatrick1to3, seed: 1),
                home: (20, 20), retractedHang: 1.0, sensorNoiseN: 0.002, seed: 1)
            physics.driveMotor(120, at: 0)
            var events: [StrokeEvent] = []
            events.reserveCapacity(8000)
            var time = 0.0
            var step = 0
            while time < 60 {
                time += 0.05
                step += 1
                physics.advance(to: time, into: &events)
                physics.moveXY(toX: 20 + Double(step % 160), toY: 20 + Double((step / 160) % 160), at: time)
            }
            blackHole(events.count)
        }
    }

    // The speed target: a 20,000-dot session through the wire, firmware, physics and skin in virtual time.
    // `simulated_ms_per_wall_ms` is simulated session time over wall time (must be >= 1000).
    Benchmark(
        "session: 20,000 dots in virtual time",
        configuration: .init(
            metrics: [
                .wallClock, .custom("simulated_ms_per_wall_ms", polarity: .prefersLarger, useScalingFactor: false),
            ],
            maxDuration: .seconds(60), maxIterations: 3)
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            let started = DispatchTime.now().uptimeNanoseconds
            let result = simulateSession(dotCount: 20_000, board: board, seed: 7)
            let wall = DispatchTime.now().uptimeNanoseconds - started
            precondition(result.completed == 20_000, "session completed \(result.completed) dots")
            benchmark.measurement(
                .custom("simulated_ms_per_wall_ms", polarity: .prefersLarger, useScalingFactor: false),
                Int(Double(result.simulated) * 1000 / Double(wall)))
        }
    }
}
