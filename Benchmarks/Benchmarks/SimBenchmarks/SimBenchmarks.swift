import Benchmark
import Foundation
import SMPBoardSim

/// The reference board, read from the repository (the benchmark runs from Benchmarks/).
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

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput], maxDuration: .seconds(10), maxIterations: 20)

    // Physics and skin alone: 60 s of simulated time with the motor at 120 Hz and the needle in the skin the whole
    // time while X/Y sweep the patch (7,200 strokes, each evaluated exactly at its bottom).
    Benchmark("physics+skin: 60 s simulated, 120 Hz, needle in skin") { benchmark in
        let board = referenceBoard()
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
}
