import Benchmark
import Foundation
import SMPMotion
import SMPPlanning
import SMPWire

/// Motion benchmarks: host CPU per dot from a planned session to its actuation schedule (plan -> motion), and on to
/// the bytes on the wire (dot trains and rate changes, encoded and framed). The plan is Examples/norwood5.json,
/// planned once outside the measurement. Figures: Docs/Performance.md.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .throughput, .mallocCountTotal], timeUnits: .microseconds,
        maxDuration: .seconds(10), maxIterations: 50)

    let norwood = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Examples/norwood5.json")
    /// The benchmark's input is a fixed example: if it does not plan, stop loudly rather than time nothing.
    let result: PlanResult
    do {
        result = try Planner.run(try PlanLoader.load(contentsOf: norwood))
    } catch {
        fatalError("MotionBenchmarks: Examples/norwood5.json does not plan: \(error)")
    }
    let dots = result.sessionDots.count

    // Throughput is per dot: each iteration schedules the whole session, scaled by its dot count.
    Benchmark(
        "Plan -> motion: schedule norwood5 session 1 (\(dots) dots)",
        configuration: .init(scalingFactor: .one)
    ) { benchmark in
        benchmark.startMeasurement()
        let schedule = try? MotionSchedule.forPlan(result)
        benchmark.stopMeasurement()
        blackHole(schedule)
    }

    Benchmark(
        "Plan -> motion -> wire: schedule, pack trains, encode and frame (\(dots) dots)",
        configuration: .init(scalingFactor: .one)
    ) { benchmark in
        benchmark.startMeasurement()
        guard let schedule = try? MotionSchedule.forPlan(result) else { fatalError("norwood5 does not schedule") }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(dots * 12)
        var encoder = FrameEncoder()
        var sequence: UInt8 = 0
        func frame(_ message: Message) {
            guard let raw = try? message.encoded() else { fatalError("a scheduled command does not encode") }
            sequence &+= 1
            try? encoder.encode(
                Frame(acknowledgement: 0, body: .sequenced(sequence: sequence, message: raw)), into: &bytes)
        }
        var changes = schedule.rateChanges[...]
        var run: [DotCommand] = []
        var shape: (UInt8, UInt32, UInt32)?
        func flush() {
            guard let shape, !run.isEmpty else { return }
            guard
                let trains = try? DotTrain.pack(
                    run, strokesPerDot: shape.0, strokeRateCentihertz: shape.1, liftMicrometres: shape.2)
            else { fatalError("a scheduled train does not pack") }
            for train in trains { frame(.dotTrain(train)) }
            run.removeAll(keepingCapacity: true)
        }
        for (index, dot) in schedule.dots.enumerated() {
            let next = (UInt8(dot.strokes), dot.rateCentihertz, dot.liftMicrometres)
            if let current = shape, current != next { flush() }
            while let change = changes.first, change.beforeDot == index {
                flush()
                frame(.setStrokeRate(SetStrokeRate(startTime: change.time, centihertz: change.centihertz)))
                changes = changes.dropFirst()
            }
            shape = next
            run.append(
                DotCommand(
                    id: UInt32(index + 1), startTime: dot.start, xMicrometres: dot.xMicrometres,
                    yMicrometres: dot.yMicrometres, hangMicrometres: dot.localHangMicrometres))
        }
        flush()
        benchmark.stopMeasurement()
        blackHole(bytes)
    }
}
