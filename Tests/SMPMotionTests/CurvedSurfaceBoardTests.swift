import Foundation
import SMPBoardSim
import SMPHardware
import SMPMotion
import SMPWire
import Testing

/// The host's copy of the board's surface map for a test: a touched-off grid interpolated as Docs/Protocol.md
/// specifies (Catmull-Rom per cell, mirrored tangents, rounded half away from zero to 1 µm).
struct TouchedOffGrid: SurfaceHeights {
    var grid: SurfaceGrid
    /// Row-major node heights (µm).
    var heights: [Int32]

    var isFlat: Bool { false }

    func heightMM(x: Double, y: Double) -> Double { Double(height(x: x * 1000, y: y * 1000)) / 1000 }

    func height(x: Double, y: Double) -> Int32 {
        let nx = Int(grid.nx)
        let ny = Int(grid.ny)
        let spacing = Double(grid.spacingMicrometres)
        let u = (x - Double(grid.originXMicrometres)) / spacing
        let v = (y - Double(grid.originYMicrometres)) / spacing
        let i = min(max(0, Int(u.rounded(.down))), nx - 2)
        let j = min(max(0, Int(v.rounded(.down))), ny - 2)
        let tx = u - Double(i)
        let ty = v - Double(j)
        func node(_ ix: Int, _ iy: Int) -> Double? {
            guard (0..<nx).contains(ix), (0..<ny).contains(iy) else { return nil }
            return Double(heights[iy * nx + ix])
        }
        func spline(_ p0: Double, _ p1: Double, _ p2: Double, _ p3: Double, _ t: Double) -> Double {
            0.5 * (2 * p1 + t * ((p2 - p0) + t * ((2 * p0 - 5 * p1 + 4 * p2 - p3) + t * (3 * p1 - p0 - 3 * p2 + p3))))
        }
        func row(_ iy: Int) -> Double? {
            guard let p1 = node(i, iy), let p2 = node(i + 1, iy) else { return nil }
            return spline(node(i - 1, iy) ?? 2 * p1 - p2, p1, p2, node(i + 2, iy) ?? 2 * p2 - p1, tx)
        }
        let r1 = row(j) ?? 0
        let r2 = row(j + 1) ?? 0
        return Int32(spline(row(j - 1) ?? 2 * r1 - r2, r1, r2, row(j + 2) ?? 2 * r2 - r1, ty).rounded())
    }
}

/// The schedule over a curved scalp the board has touched off: hops rise over the highest mapped skin between the
/// sites, and the board still ends every dot when the schedule says.
@Suite struct CurvedSurfaceBoardTests {
    @Test func boardFollowsTheScheduleOverATouchedOffScalp() throws {
        let board = try BoardDefinition.load(
            from: BoardRun.packageRoot.appendingPathComponent("Hardware/smp-driver-r1/board.json").path)
        let setup = SimulationSetup(
            board: board, skinType: .fitzpatrick1to3, surface: .curved, seed: 5, homeXMM: 90, homeYMM: 90)
        var run = BoardRun(bench: VirtualBench(setup: setup))
        _ = run.connectAndArm()
        // A 4 x 4 grid, 5 mm apart, touched off node by node.
        let grid = SurfaceGrid(
            originXMicrometres: 90_000, originYMicrometres: 90_000, spacingMicrometres: 5_000, nx: 4, ny: 4)
        var probes: [Message] = [.surfaceGrid(grid)]
        let first = run.bench.board.scheduleTime + 50_000
        for node in 0..<16 {
            probes.append(
                .touchOff(
                    TouchOff(
                        startTime: first + UInt64(node), xMicrometres: 90_000 + Int32(node % 4) * 5_000,
                        yMicrometres: 90_000 + Int32(node / 4) * 5_000, approachMicrometres: -4_000,
                        node: UInt32(node + 1))))
        }
        run.execute(probes, dots: 0, limit: 60_000_000) { $0.touchOffs.count >= 16 }
        try #require(run.faults.isEmpty, "\(run.faults)")
        try #require(run.touchOffs.count == 16 && run.touchOffs.allSatisfy { $0.outcome == .contact })
        let heights = run.touchOffs.map { -$0.contactZMicrometres }
        let surface = TouchedOffGrid(grid: grid, heights: heights)

        // 60 dots at ~1 mm pitch inside the mapped square, from the last touch-off's site: Z at the top of travel,
        // the motor at rest with the cam parked at bottom dead centre.
        // Then 24 long hops back and forth across the square, over whatever rises between their ends.
        var random = SplitMix(seed: 17)
        var dots = (0..<60).map { index in
            let row = index / 12
            let column = row % 2 == 0 ? index % 12 : 11 - index % 12
            return MotionDot(
                id: index, xMM: 92 + Double(column) + random.uniform(-0.3, 0.3),
                yMM: 92 + 2 * Double(row) + random.uniform(-0.3, 0.3), localHangMM: 1.2, strokes: 4, rateHz: 120,
                cartridge: "3RL")
        }
        for index in 0..<24 {
            dots.append(
                MotionDot(
                    id: 60 + index, xMM: index % 2 == 0 ? 90.5 : 104.5, yMM: 104.5 - Double(index) * 0.6,
                    localHangMM: 1.2, strokes: 4, rateHz: 120, cartridge: "3RL"))
        }
        let machine = MotionMachine.r1
        let start = MotionStart(
            time: run.bench.board.scheduleTime + 50_000, xMM: 105, yMM: 105, zMM: machine.restingZMM, camPhase: 0.5)
        let schedule = try MotionScheduler(machine: machine, surface: surface).schedule(dots, from: start)
        // The skin rises along some hops: those raise Z above the lift first, some of them above both ends' lift.
        try #require(schedule.dots.dropFirst().contains { $0.hopZMM < $0.liftZMM })
        let aboveBothEnds = zip(schedule.dots, schedule.dots.dropFirst()).filter {
            $1.hopZMM < min($0.liftZMM, $1.liftZMM) - 1e-9
        }
        try #require(!aboveBothEnds.isEmpty)
        var messages = try BoardRun.messages(for: schedule)
        messages.removeFirst()  // the flat declaration: this board has its grid
        run.execute(messages, dots: dots.count, limit: 60_000_000)
        #expect(run.faults.isEmpty, "\(run.faults)")
        let truth = run.bench.board.truth()
        try #require(truth.dots.count == dots.count)
        for (index, dot) in schedule.dots.enumerated() {
            let record = truth.dots[index]
            #expect(record.outcome == "completed" && record.strokesCounted == 4)
            #expect(abs(Int64(record.startBoardTimeMicros) - Int64(dot.start)) <= 1, "dot \(index) start")
            #expect(abs(Int64(record.endBoardTimeMicros) - Int64(dot.end)) <= 3, "dot \(index) end")
            if let executed = record.executedZMM { #expect(abs(executed - dot.hangZMM) < 1e-9, "dot \(index) Z") }
        }
    }
}
