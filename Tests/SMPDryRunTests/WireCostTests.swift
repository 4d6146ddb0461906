import Foundation
import SMPBoardSim
import SMPControl
import SMPDryRun
import SMPHardware
import SMPMotion
import SMPPlanning
import SMPWire
import SMPWireTesting
import Testing

/// What the controller's own sessions cost on the wire, the byte breakdown of them, the replay the host-CPU
/// benchmark relies on, and the example captures.
@Suite struct WireCostTests {
    static func recorded(_ plan: String, seed: UInt64) throws -> ControllerDriver<RecordingTransport<DryRunTransport>> {
        let result = try DryRunTests.plan(plan)
        var options = DryRunOptions(skin: .fitzpatrick1to3)
        options.seed = seed
        return DryRun.recordedSession(
            dots: ControlDot.dots(of: result), setup: DryRun.simulationSetup(options: options, seed: seed),
            options: options)
    }

    /// Bytes of `capture` from `start` on, by kind, and their total without the clock fit's status traffic.
    static func streaming(_ capture: [UInt8], from start: Int) -> (bytes: [String: Int], withoutClock: Int) {
        let bytes = WireByteBreakdown(capture: Array(capture[start...])).bytes
        let clock = (bytes[MessageType.statusQuery.name] ?? 0) + (bytes[MessageType.status.name] ?? 0)
        return (bytes, bytes.values.reduce(0, +) - clock)
    }

    static func offset(of chunks: [TransportArrival], before time: UInt64) -> Int {
        chunks.prefix { $0.time < time }.reduce(0) { $0 + $1.bytes.count }
    }

    @Test("every byte of a controller session's capture is attributed to exactly one kind")
    func breakdownAttributesEveryByte() throws {
        let driver = try Self.recorded("quick.json", seed: 2)
        try #require(driver.controller.state == .finished)
        let capture = driver.transport.hostToBoard
        let breakdown = WireByteBreakdown(capture: capture)
        #expect(breakdown.bytes.values.reduce(0, +) == capture.count)
        #expect((breakdown.bytes["dot_train"] ?? 0) > 0)
        #expect((breakdown.bytes["touch_off"] ?? 0) > 0)
        #expect(breakdown.bytes["heartbeat"] == Int(driver.controller.session.statistics.heartbeatsSent))
        #expect(breakdown.bytes["error"] == nil)
        let back = WireByteBreakdown(capture: driver.transport.boardToHost)
        #expect(back.bytes.values.reduce(0, +) == driver.transport.boardToHost.count)
        #expect((back.bytes["completions"] ?? 0) > 0)
    }

    /// The streaming part of a real session (trains, rate changes, completions, acknowledgements, credit and
    /// heartbeats; the clock fit's status traffic apart) on Examples/norwood5.json. Board to host is under the
    /// 8-byte target; host to board is not: 4.4 bytes a dot are the 40 ms heartbeat alone at this session's 5.6 dots
    /// a second, and the trains carry µs start times and µm positions (Docs/Performance.md has the arithmetic).
    @Test("norwood5's streaming costs under 8 bytes a dot board to host and under 11.5 host to board")
    func streamingCost() throws {
        let driver = try Self.recorded("norwood5.json", seed: 7)
        try #require(driver.controller.state == .finished)
        let start = try #require(driver.controller.streamingStartedAt)
        let dots = Double(driver.controller.dots.count)
        let up = Self.streaming(
            driver.transport.hostToBoard, from: Self.offset(of: driver.transport.writes, before: start))
        let down = Self.streaming(
            driver.transport.boardToHost, from: Self.offset(of: driver.transport.arrivals, before: start))
        #expect(Double(down.withoutClock) / dots < 8, "\(down.bytes)")
        #expect(Double(up.withoutClock) / dots < 11.5, "\(up.bytes)")
        // The clock fit, once settled, queries every 10 s: well under a byte a dot each way.
        let clockUp = up.bytes[MessageType.statusQuery.name] ?? 0
        let clockDown = down.bytes[MessageType.status.name] ?? 0
        #expect(Double(clockUp) / dots < 0.5)
        #expect(Double(clockDown) / dots < 1.5)
        #expect(driver.controller.sentPastDeadline == 0)
    }

    @Test("a controller fed a recorded board stream at its recorded times writes exactly the recorded bytes")
    func replayReproducesTheHost() throws {
        let result = try DryRunTests.plan("quick.json")
        var options = DryRunOptions(skin: .fitzpatrick1to3)
        options.seed = 5
        let dots = ControlDot.dots(of: result)
        let setup = DryRun.simulationSetup(options: options, seed: options.seed)
        let recorded = DryRun.recordedSession(dots: dots, setup: setup, options: options)
        try #require(recorded.controller.state == .finished)
        try #require(recorded.transport.arrivals.count > 100)
        var replay = ControllerDriver(
            controller: DryRun.controller(dots: dots, setup: setup, options: options),
            transport: ReplayTransport(arrivals: recorded.transport.arrivals))
        replay.run(limit: DryRun.timeLimit(dots: dots, options: options))
        #expect(replay.transport.isExhausted)
        #expect(replay.transport.written == recorded.transport.hostToBoard)
        #expect(replay.controller.state == .finished)
        #expect(replay.controller.accounting.done == recorded.controller.accounting.done)
    }

    // MARK: Example captures

    static let capturesDirectory = DryRunTests.packageRoot.appendingPathComponent("Hardware/smp-driver-r1/captures")

    /// A 40-dot row on the curved scalp, seed 3: the controller's whole session (its probing of the row's strip
    /// included), small enough to read.
    static func captureSession() -> ControllerDriver<RecordingTransport<DryRunTransport>> {
        let dots = (0..<40).map { index in
            ControlDot(
                motion: MotionDot(
                    id: index + 1, xMM: 60 + Double(index), yMM: 80 + Double(index % 2) * 0.5, localHangMM: 1.2,
                    strokes: 4, rateHz: 120, cartridge: "3RL"),
                hangBandMM: 1.0...1.4, regionName: "row")
        }
        var options = DryRunOptions(skin: .fitzpatrick1to3)
        options.seed = 3
        return DryRun.recordedSession(
            dots: dots, setup: DryRun.simulationSetup(options: options, seed: options.seed), options: options)
    }

    static func hexLines(_ bytes: [UInt8], title: String) -> String {
        let digits = String(WireSchema.hash, radix: 16)
        let hash = String(repeating: "0", count: 8 - digits.count) + digits
        var text =
            "# \(title)\n# smp-wire v\(WireSchema.protocolVersion), schema 0x\(hash); "
            + "decode with: smpctl wire decode --hex FILE\n"
        var line: [String] = []
        for byte in bytes {
            line.append((byte < 16 ? "0" : "") + String(byte, radix: 16))
            // One frame a line where possible: break after each delimiter and heartbeat.
            if byte == FramingByte.delimiter || byte == FramingByte.heartbeat || line.count == 32 {
                text += line.joined(separator: " ") + "\n"
                line.removeAll()
            }
        }
        if !line.isEmpty { text += line.joined(separator: " ") + "\n" }
        return text
    }

    @Test("the capture session finishes every dot")
    func captureSessionFinishes() {
        let driver = Self.captureSession()
        #expect(driver.controller.state == .finished)
        #expect(driver.controller.accounting.done == 40)
    }

    @Test(
        "regenerate the captures when asked",
        .enabled(if: ProcessInfo.processInfo.environment["SMP_REGENERATE_VECTORS"] == "1"))
    func regenerateCaptures() throws {
        let driver = Self.captureSession()
        try #require(driver.controller.state == .finished)
        try FileManager.default.createDirectory(at: Self.capturesDirectory, withIntermediateDirectories: true)
        try Self.hexLines(
            driver.transport.hostToBoard,
            title: "host -> board, the controller's whole session of a 40-dot row on the curved scalp (seed 3)"
        )
        .write(
            to: Self.capturesDirectory.appendingPathComponent("session-host-to-board.hex"), atomically: true,
            encoding: .utf8)
        try Self.hexLines(driver.transport.boardToHost, title: "board -> host, the same session")
            .write(
                to: Self.capturesDirectory.appendingPathComponent("session-board-to-host.hex"), atomically: true,
                encoding: .utf8)
    }
}
