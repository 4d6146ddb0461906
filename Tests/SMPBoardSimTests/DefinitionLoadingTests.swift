import Foundation
import SMPBoardSim
import Testing

@Suite("Board and handpiece definitions")
struct DefinitionLoadingTests {
    @Test("the reference board file loads with the limits DOMAIN.md gives")
    func referenceBoardLoads() throws {
        let board = try Fixtures.board()
        #expect(board.model == "smp-driver-r1")
        #expect(board.clockHz == 1_000_000)
        #expect(board.axes.x.maxSpeedMMPerS == 100)
        #expect(board.axes.z.maxAccelMMPerS2 == 5000)
        #expect(board.hangCeilingMM == 2.0)
        #expect(board.queueCapacity == 128)
        #expect(board.maxStrokesPerDot == 12)
        #expect(board.watchdogMicros == 100_000)
        #expect(board.hangRangeMM == -8.0...2.0)
    }

    @Test("a missing field is named with its JSON path")
    func missingFieldNamed() throws {
        var json = try Fixtures.boardJSON()
        var axes = try require(json["axes"] as? [String: Any])
        var x = try require(axes["x"] as? [String: Any])
        x.removeValue(forKey: "max_speed_mm_s")
        axes["x"] = x
        json["axes"] = axes
        let path = try Fixtures.temporaryFile(
            String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self))
        let error = #expect(throws: SimulatorInputError.self) { try BoardDefinition.load(from: path) }
        #expect(error?.description == "\(path): axes.x.max_speed_mm_s: missing (required)")
        #expect(error?.exitCode == 65)
    }

    @Test("a wrong type, a bad value and a bad format are each named")
    func badValuesNamed() throws {
        var json = try Fixtures.boardJSON()
        json["queue_capacity"] = "lots"
        var path = try Fixtures.temporaryFile(
            String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self))
        var error = #expect(throws: SimulatorInputError.self) { try BoardDefinition.load(from: path) }
        #expect(error?.field == "queue_capacity")

        json = try Fixtures.boardJSON()
        json["hang_ceiling_mm"] = -1.0
        path = try Fixtures.temporaryFile(
            String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self))
        error = #expect(throws: SimulatorInputError.self) { try BoardDefinition.load(from: path) }
        #expect(error?.field == "hang_ceiling_mm")

        json = try Fixtures.boardJSON()
        json["clock_hz"] = 8_000_000
        path = try Fixtures.temporaryFile(
            String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self))
        error = #expect(throws: SimulatorInputError.self) { try BoardDefinition.load(from: path) }
        #expect(error?.field == "clock_hz")
    }

    @Test("not JSON, and no file at all, are reported against the path")
    func unreadable() throws {
        let path = try Fixtures.temporaryFile("{ not json")
        let error = #expect(throws: SimulatorInputError.self) { try BoardDefinition.load(from: path) }
        #expect(error?.source == path)
        #expect(error?.description.contains("not valid JSON") == true)
        let missing = #expect(throws: SimulatorInputError.self) {
            try BoardDefinition.load(from: "/nonexistent/board.json")
        }
        #expect(missing?.description.hasPrefix("/nonexistent/board.json: cannot read the file") == true)
    }

    @Test("the reference handpiece file loads and matches the built-in copy")
    func referenceHandpieceLoads() throws {
        let handpiece = try Fixtures.handpiece()
        #expect(handpiece.strokeLengthMM.value == HandpieceDefinition.rotaryR1.strokeLengthMM.value)
        #expect(handpiece.motorTimeConstantMS.value == HandpieceDefinition.rotaryR1.motorTimeConstantMS.value)
        #expect(handpiece.membraneLossMM.value == HandpieceDefinition.rotaryR1.membraneLossMM.value)
        #expect(handpiece.crankRodRatio.value == HandpieceDefinition.rotaryR1.crankRodRatio.value)
        #expect(handpiece.needle.count == 3)
        #expect(handpiece.strokeLengthMM.provenance.hasPrefix("[S]"))
        #expect(handpiece.motorTimeConstantMS.provenance.hasPrefix("[E]"))
    }

    @Test("an implausible handpiece value is named")
    func badHandpiece() throws {
        let text = try String(contentsOfFile: Fixtures.handpiecePath, encoding: .utf8)
            .replacingOccurrences(of: "\"value\": 45.0", with: "\"value\": -3")
        let path = try Fixtures.temporaryFile(text, name: "rotary-bad.json")
        let error = #expect(throws: SimulatorInputError.self) { try HandpieceDefinition.load(from: path) }
        #expect(error?.field == "motor_time_constant_ms.value")
        #expect(error?.source == path)
    }
}
