import Foundation
import SMPBoardSim
import SMPHardware
import SMPMotion
import SMPWire
import Testing

/// The schedule run on the simulated board: what the board executes must be what the schedule predicted.
@Suite struct BoardExecutionTests {
    /// Rows of dots at ~1 mm pitch with jitter, three regions' worth of settings: 4 strokes at 120 Hz, 4 at 121 Hz
    /// (a change small enough to run under earlier dots), 3 at 135 Hz (one that is not), varying hang.
    static func dots(count: Int, seed: UInt64) -> [MotionDot] {
        var random = SplitMix(seed: seed)
        var dots: [MotionDot] = []
        for index in 0..<count {
            let row = index / 20
            let column = row % 2 == 0 ? index % 20 : 19 - index % 20
            let x = 90 + Double(column) * 1.0 + random.uniform(-0.3, 0.3)
            let y = 90 + Double(row) * 1.0 + random.uniform(-0.3, 0.3)
            let third = index * 3 / count
            let rate = [120.0, 121.0, 135.0][third]
            let strokes = [4, 4, 3][third]
            dots.append(
                MotionDot(
                    id: 1000 + index, xMM: x, yMM: y, localHangMM: 1.1 + random.uniform(0, 0.3), strokes: strokes,
                    rateHz: rate, cartridge: "3RL"))
        }
        return dots
    }

    @Test func boardEndsEveryDotWhenTheSchedulePredicts() throws {
        var run = try BoardRun(homeXMM: 100, homeYMM: 100)
        let armedAt = run.connectAndArm()
        let machine = MotionMachine.r1
        let start = MotionStart.powerUp(machine: machine, homeXMM: 100, homeYMM: 100, time: armedAt + 50_000)
        let dots = Self.dots(count: 150, seed: 3)
        let schedule = try MotionScheduler(machine: machine, surface: FlatSurface()).schedule(dots, from: start)
        try #require(schedule.dots.count == dots.count)
        try #require(schedule.rateChanges.count == 3)
        run.execute(try BoardRun.messages(for: schedule), dots: dots.count, limit: 60_000_000)

        #expect(run.faults.isEmpty, "\(run.faults)")
        try #require(run.endTimes.count == dots.count)
        let truth = run.bench.board.truth()
        try #require(truth.dots.count == dots.count)
        // The truth's own record of each dot's start and end agrees, to the rounding of a firmware timer.
        for (index, dot) in schedule.dots.enumerated() {
            #expect(abs(Int64(truth.dots[index].startBoardTimeMicros) - Int64(dot.start)) <= 1, "dot \(index) start")
            #expect(abs(Int64(truth.dots[index].endBoardTimeMicros) - Int64(dot.end)) <= 3, "dot \(index) end")
        }
        #expect(truth.dots.allSatisfy { $0.outcome == "completed" && $0.strokesCounted == $0.strokesCommanded })
        var worst: Int64 = 0
        for (index, dot) in schedule.dots.enumerated() {
            let error = Int64(run.endTimes[index]) - Int64(dot.end)
            worst = max(worst, abs(error))
            let duration = Double(dot.end - dot.start)
            #expect(Double(abs(error)) <= 0.005 * duration, "dot \(index): ended \(error) µs from the prediction")
        }
        // The model is the board's own arithmetic: it lands on the board's microsecond, give or take rounding.
        #expect(worst <= 3, "worst per-dot end error \(worst) µs")
        let executed = Double(run.endTimes.last! - start.time)
        let predicted = Double(schedule.end - start.time)
        #expect(abs(executed - predicted) <= 0.005 * predicted)
        // Every counted stroke ran within 1 % of its dot's rate (the board's tolerance is 2 %): rate changes were
        // placed early enough, from the motor's nominal lag.
        var worstRate = 0.0
        for (index, dot) in schedule.dots.enumerated() {
            let rate = Double(dot.rateCentihertz) / 100
            for stroke in truth.dots[index].strokes where stroke.counted {
                worstRate = max(worstRate, abs(stroke.rateHz - rate) / rate)
            }
        }
        #expect(worstRate <= 0.01, "worst counted-stroke rate error \(worstRate * 100) %")
        // Counted strokes fall where the schedule put them.
        for (index, dot) in schedule.dots.enumerated() {
            let counted = truth.dots[index].strokes.filter(\.counted).map(\.boardTimeMicros)
            try #require(counted.count == dot.strokes, "dot \(index): \(counted.count) counted in the truth")
            #expect(abs(Double(counted[0]) - dot.firstStrokeBottomS * 1e6) <= 1.5)
            #expect(abs(Double(counted[counted.count - 1]) - dot.lastStrokeBottomS * 1e6) <= 1.5)
        }
    }
}

/// A small deterministic generator for test data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * Double(next() >> 11) / Double(1 << 53)
    }
}
