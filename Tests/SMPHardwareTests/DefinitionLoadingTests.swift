import Foundation
import Testing

@testable import SMPHardware

/// Writes `text` to a fresh temporary file and returns its path.
func temporaryFile(_ text: String, name: String = "board.json") throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smphardware-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let url = directory.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
}

/// The r1 board file with one piece of text replaced (the replacement must happen: the test would prove nothing).
func r1Board(replacing original: String, with replacement: String) throws -> String {
    try #require(BoardDefinition.r1Text.contains(original), "the r1 text no longer holds \(original)")
    return BoardDefinition.r1Text.replacingOccurrences(of: original, with: replacement)
}

@Suite("Board and handpiece definitions: one strict reader")
struct DefinitionLoadingTests {
    func refusal(_ text: String) throws -> HardwareDefinitionError? {
        let path = try temporaryFile(text)
        return #expect(throws: HardwareDefinitionError.self) { try BoardDefinition.load(from: path) }
    }

    @Test("the reference board loads with the limits DOMAIN.md gives")
    func referenceBoardLoads() throws {
        let board = try BoardDefinition.load(from: repositoryHardware + "/smp-driver-r1/board.json")
        #expect(board.axes.x.maxSpeedMMPerS == 100)
        #expect(board.axes.z.maxAccelMMPerS2 == 5000)
        #expect(board.maxStrokesPerDot == 12)
        #expect(board.watchdogMicros == 100_000)
        #expect(board.hangRangeMM == -8.0...2.0)
    }

    @Test(
        "each bad value is refused naming the file, the JSON path, what was found and what was expected",
        arguments: [
            (#""clock_hz": 1000000"#, #""clock_hz": 0"#, "clock_hz", "0"),
            (#""min_hz": 50.0, "max_hz": 150.0"#, #""min_hz": 160.0, "max_hz": 150.0"#, "motor.max_hz", "150"),
            (#""min_hz": 50.0, "max_hz": 150.0"#, #""min_hz": 50.0, "max_hz": 50.0"#, "motor.max_hz", "50"),
            (#""resolution_um": 1 }"#, #""resolution_um": 0 }"#, "axes.z.resolution_um", "0"),
            (#""queue_capacity": 128"#, #""queue_capacity": 0"#, "queue_capacity", "0"),
            (#""queue_capacity": 128"#, #""queue_capacity": 70000"#, "queue_capacity", "70000"),
            (#""queue_capacity": 128"#, #""queue_capacity": "lots""#, "queue_capacity", "the string \"lots\""),
            (#""hang_ceiling_mm": 2.0"#, #""hang_ceiling_mm": -1"#, "hang_ceiling_mm", "-1"),
            (#""retract_clearance_mm": 2.0"#, #""retract_clearance_mm": 9"#, "retract_clearance_mm", "9"),
            (#""watchdog_ms": 100"#, #""watchdog_ms": 100, "colour": "red""#, "colour", "an unknown key"),
            (#""baud": 921600"#, #""baud": 921600, "parity": "none""#, "serial.parity", "an unknown key"),
            (
                #""vendor_id_hex": "0x1209""#, #""vendor_id_hex": "0x1208""#, "usb.vendor_id_hex",
                "the string \"0x1208\""
            ),
            (
                #""travel_mm": 200.0, "max_speed_mm_s": 100.0"#, #""travel_mm": 200.0"#, "axes.x.max_speed_mm_s",
                "nothing (the key is missing)"
            ),
            (#""format": "smpctl-board/1""#, #""format": "smpctl-board/2""#, "format", "the string \"smpctl-board/2\""),
            (#""force_limit_mn": 30"#, #""force_limit_mn": 16"#, "probe.force_limit_mn", "16"),
            (#""speed_mm_s": 2.0"#, #""speed_mm_s": 20.0"#, "probe.speed_mm_s", "20"),
            (#""max_travel_mm": 6.0"#, #""max_travel_mm": 6.0, "colour": 1"#, "probe.colour", "an unknown key"),
        ])
    func badValue(original: String, replacement: String, path: String, found: String) throws {
        let error = try refusal(try r1Board(replacing: original, with: replacement))
        #expect(error?.path == path)
        #expect(error?.found == found)
        #expect(error?.kind == .badData)
        #expect(error?.exitCode == 65)
        let description = try #require(error?.description)
        #expect(description.contains("board.json: \(path): found \(found); expected "))
        #expect(!description.contains("\n"))
    }

    @Test("not JSON is bad data; no file at all is missing input")
    func unreadable() throws {
        let notJSON = try refusal("{ not json")
        #expect(notJSON?.kind == .badData)
        #expect(notJSON?.description.contains("not valid JSON") == true)
        let located = try refusal("{\n  \"format\": \"smpctl-board/1\",\n  \"model\": x\n}\n")
        #expect(located?.found == "text that is not valid JSON (line 3, column 12: Invalid value)")
        let missing = #expect(throws: HardwareDefinitionError.self) {
            try BoardDefinition.load(from: "/nonexistent/board.json")
        }
        #expect(missing?.kind == .missing)
        #expect(missing?.exitCode == 66)
        #expect(missing?.file == "/nonexistent/board.json")
    }

    @Test("an implausible or unknown handpiece value is named")
    func badHandpiece() throws {
        try #require(HandpieceDefinition.rotaryR1Text.contains(#""value": 45.0"#))
        let path = try temporaryFile(
            HandpieceDefinition.rotaryR1Text.replacingOccurrences(of: #""value": 45.0"#, with: #""value": -3"#),
            name: "rotary-bad.json")
        let error = #expect(throws: HardwareDefinitionError.self) { try HandpieceDefinition.load(from: path) }
        #expect(error?.path == "motor_time_constant_ms.value")
        #expect(error?.file == path)

        try #require(HandpieceDefinition.rotaryR1Text.contains(#""model": "rotary-r1","#))
        let unknown = try temporaryFile(
            HandpieceDefinition.rotaryR1Text.replacingOccurrences(
                of: #""model": "rotary-r1","#, with: #""model": "rotary-r1", "colour": "red","#),
            name: "rotary-unknown.json")
        let refused = #expect(throws: HardwareDefinitionError.self) { try HandpieceDefinition.load(from: unknown) }
        #expect(refused?.path == "colour")
    }

    @Test("the reference handpiece carries its provenance")
    func handpieceProvenance() {
        let handpiece = HandpieceDefinition.rotaryR1
        #expect(handpiece.needle.count == 3)
        #expect(handpiece.strokeLengthMM.provenance.hasPrefix("[S]"))
        #expect(handpiece.motorTimeConstantMS.provenance.hasPrefix("[E]"))
    }
}
