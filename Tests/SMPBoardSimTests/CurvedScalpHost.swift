import Foundation
import SMPHardware
import SMPWire

@testable import SMPBoardSim

/// A host that knows only what the board reports: it declares a grid, touches off every node (each approach 1 mm
/// above the contact found before), then sends random commands, some of them deliberately bad. For the invariant
/// tests on the curved scalp.
struct CurvedScalpHost {
    var harness: BoardHarness
    var random: SeededGenerator
    var nextID: UInt32 = 1
    /// Dots the host sent in trains the board did not refuse outright (their ids).
    var sentDots: [UInt32] = []
    let grid: SurfaceGrid

    init(seed: UInt64, skin: SkinType = .fitzpatrick1to3) throws {
        harness = try BoardHarness(skin: skin, surface: .curved, seed: seed)
        random = SeededGenerator(seed: seed, stream: "curved-host")
        grid = SurfaceGrid(
            originXMicrometres: 90_000, originYMicrometres: 90_000, spacingMicrometres: 10_000, nx: 3, ny: 3)
    }

    /// Connect, arm, probe the grid, start the motor.
    mutating func prepare() {
        harness.connect()
        harness.arm()
        harness.send(.surfaceGrid(grid))
        var approach: Int32 = -3_500
        for node in 0..<(Int(grid.nx) * Int(grid.ny)) {
            let position = grid.position(ofNode: node)
            let before = harness.touchOffResults.count
            harness.send(
                .touchOff(
                    TouchOff(
                        startTime: harness.scheduleEstimate + 30_000, xMicrometres: Int32(position.x),
                        yMicrometres: Int32(position.y), approachMicrometres: approach, node: UInt32(node + 1))))
            harness.run(for: 4_000_000) { $0.touchOffResults.count > before || !$0.faults.isEmpty }
            if let result = harness.touchOffResults.last, result.outcome == .contact {
                approach = result.contactZMicrometres - 1_000
            }
        }
        startMotor()
    }

    mutating func startMotor() {
        harness.syncClock()
        harness.send(.setStrokeRate(SetStrokeRate(startTime: harness.scheduleEstimate + 30_000, centihertz: 12_000)))
        harness.run(for: 300_000)
    }

    mutating func coordinate(spread: Int32 = 24_000) -> Int32 {
        // Mostly inside the probed 90-110 mm square, sometimes just outside it (no surface there).
        88_000 + Int32(random.next() % UInt64(spread))
    }

    /// One random host action, then some time.
    mutating func act() {
        let ceiling = Int32(harness.board.setup.board.hangCeilingMM * 1000)
        switch random.next() % 12 {
        case 0, 1, 2, 3, 4:
            let count = Int(1 + random.next() % 4)
            guard harness.host.availableCredit >= count else { break }
            let start = harness.scheduleEstimate + 30_000
            let lift: UInt32 = random.next() % 10 == 0 ? 100 : UInt32(150 + random.next() % 700)
            var dots: [DotCommand] = []
            var time = start
            for index in 0..<count {
                let hang = random.next() % 15 == 0 ? ceiling + 1 : Int32(random.next() % UInt64(ceiling + 1))
                dots.append(
                    DotCommand(
                        id: nextID + UInt32(index), startTime: time, xMicrometres: coordinate(),
                        yMicrometres: coordinate(), hangMicrometres: hang))
                time += 600_000
            }
            let train = DotTrain(
                strokesPerDot: UInt8(1 + random.next() % 8), strokeRateCentihertz: 12_000, liftMicrometres: lift,
                strokeDetail: random.next() % 3 == 0, dots: dots)
            harness.send(.dotTrain(train))
            sentDots += dots.map(\.id)
            nextID += UInt32(count)
        case 5:
            harness.send(.hold)
        case 6:
            harness.send(.resume)
        case 7:
            harness.send(.flushQueue)
        case 8:
            harness.send(
                .moveTo(
                    MoveTo(
                        startTime: harness.scheduleEstimate + 30_000, xMicrometres: coordinate(),
                        yMicrometres: coordinate())))
        case 9:
            // A touch-off anywhere, its approach sometimes far too deep (the board must still not puncture).
            let approach: Int32 = random.next() % 2 == 0 ? -3_500 : Int32(-1_000 + Int64(random.next() % 2_500))
            harness.send(
                .touchOff(
                    TouchOff(
                        startTime: harness.scheduleEstimate + 30_000, xMicrometres: coordinate(),
                        yMicrometres: coordinate(), approachMicrometres: approach, node: 0)))
        case 10:
            if random.next() % 3 == 0 { harness.send(.emergencyStop) } else { harness.send(.statusQuery) }
        default:
            harness.send(.statusQuery)
        }
        harness.run(for: UInt64(100_000 + random.next() % 500_000))
        if harness.board.state == .safe {
            harness.arm()
            startMotor()
        }
    }

    /// Ends the session with an emergency stop: every record goes out at once (completions are flushed before a
    /// fault), instead of waiting for the 6 s batch timer.
    mutating func finish() {
        harness.send(.emergencyStop)
        harness.run(for: 300_000)
    }
}
