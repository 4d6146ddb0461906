import Foundation
import SMPBoardSim
import SMPHardware
import SMPWireTesting
import Testing

@testable import SMPWire

@Suite("Wire reliability and the board definition")
struct WireCostTests {
    @Test("with 1e-2 frame loss, corruption and duplication every message is delivered exactly once, in order")
    func exactlyOnceUnderLoss() {
        let result = RepairScenario.repairLatencies(
            duration: 20_000_000, interval: 20_000, loss: 1e-2, corruption: 1e-2, duplication: 1e-2, seed: 5)
        // The stream must have lost frames for the property to mean anything.
        #expect(result.latencies.count >= 10)
        #expect(result.undelivered == 0)
        #expect(result.duplicates == 0)
        #expect(result.outOfOrder == 0)
    }

    @Test("lost frames are repaired in one round trip, a lost retransmission in one more timeout (1e-2 loss)")
    func repairLatency() {
        // At 1e-2 a retransmission is itself lost now and then; the 1e-3 p99 figure is the benchmark's.
        let result = RepairScenario.repairLatencies(duration: 30_000_000, interval: 20_000, loss: 1e-2, seed: 3)
        let fast = result.latencies.filter { $0 < 15_000 }.count
        #expect(result.latencies.count >= 10)
        #expect(result.undelivered == 0)
        #expect(fast * 10 >= result.latencies.count * 9, "latencies: \(result.latencies.sorted())")
        #expect(result.latencies.allSatisfy { $0 < 40_000 }, "latencies: \(result.latencies.sorted())")
    }

    struct BoardFile: Decodable {
        struct Axis: Decodable {
            var travelMm: Double
            var maxSpeedMmS: Double
            var maxAccelMmS2: Double
            var resolutionUm: Double
        }
        struct Motor: Decodable {
            var minHz: Double
            var maxHz: Double
        }
        var model: String
        var clockHz: Int
        var axes: [String: Axis]
        var hangCeilingMm: Double
        var retractClearanceMm: Double
        var motor: Motor
        var maxStrokesPerDot: Int
        var queueCapacity: Int
        var watchdogMs: Int
        var minLeadTimeMs: Double
    }

    @Test("the limits built from BoardDefinition.r1 are what Hardware/smp-driver-r1/board.json says")
    func boardDefinitionMatches() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Hardware/smp-driver-r1/board.json")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let board = try decoder.decode(BoardFile.self, from: Data(contentsOf: url))
        let limits = BoardLimits(BoardDefinition.r1)
        func micrometres(_ millimetres: Double) -> UInt32 { UInt32((millimetres * 1_000).rounded()) }
        let x = try #require(board.axes["x"])
        let y = try #require(board.axes["y"])
        let z = try #require(board.axes["z"])
        #expect(board.model == "smp-driver-r1")
        #expect(board.clockHz == 1_000_000)
        #expect(limits.travelXMicrometres == micrometres(x.travelMm))
        #expect(limits.travelYMicrometres == micrometres(y.travelMm))
        #expect(limits.travelZMicrometres == micrometres(z.travelMm))
        #expect(limits.positionResolutionMicrometres == UInt32(x.resolutionUm))
        #expect(limits.maxSpeedXYMicrometresPerSecond == micrometres(min(x.maxSpeedMmS, y.maxSpeedMmS)))
        #expect(limits.maxAccelerationXYMicrometresPerSecond2 == micrometres(min(x.maxAccelMmS2, y.maxAccelMmS2)))
        #expect(limits.maxSpeedZMicrometresPerSecond == micrometres(z.maxSpeedMmS))
        #expect(limits.maxAccelerationZMicrometresPerSecond2 == micrometres(z.maxAccelMmS2))
        #expect(limits.hangCeilingMicrometres == micrometres(board.hangCeilingMm))
        #expect(limits.retractClearanceMicrometres == micrometres(board.retractClearanceMm))
        #expect(limits.motorMinCentihertz == UInt32(board.motor.minHz * 100))
        #expect(limits.motorMaxCentihertz == UInt32(board.motor.maxHz * 100))
        #expect(Int(limits.maxStrokesPerDot) == board.maxStrokesPerDot)
        #expect(Int(limits.watchdogMilliseconds) == board.watchdogMs)
        #expect(Double(limits.minimumLeadMicroseconds) == board.minLeadTimeMs * 1_000)
        #expect(board.queueCapacity == 128)
    }
}
