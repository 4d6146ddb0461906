import Foundation
import Glibc
import SMPHardware
import SMPSerialTesting
import SMPWire
import Testing

@testable import SMPSerial

/// Runs the built `smpctl` for the serial commands, as a user would.
@Suite("smpctl serial commands, end to end")
struct SerialEndToEndTests {
    @Test("ports --json lists ports as one JSON document with the same keys for every port")
    func portsJSON() throws {
        let result = try SMPCtlProcess.run(["ports", "--json"])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let ports = try #require(document["ports"] as? [[String: Any]])
        #expect(document["hardware_directory"] is String)
        for port in ports {
            #expect(
                Set(port.keys) == [
                    "path", "transport", "usb_vendor_id", "usb_product_id", "usb_id", "manufacturer", "product",
                    "serial_number", "description", "board",
                ]
            )
        }
    }

    @Test("ports with a hardware directory that does not exist fails with 66 and names it")
    func portsMissingHardware() throws {
        let result = try SMPCtlProcess.run(["ports", "--hardware", "/nonexistent/Hardware"])
        #expect(result.status == 66)
        #expect(
            result.standardError
                == "smpctl: /nonexistent/Hardware: found no such directory (from --hardware); "
                + "expected a Hardware/ directory holding <model>/board.json\n")
    }
}

/// `smpctl identify` against a board played by this test on a pseudo-terminal (a board-role WireSession on the
/// master), so that the command is tested without the simulator.
@Suite("smpctl identify, end to end with a PTY board")
struct IdentifyEndToEndTests {
    @Test("identify --json prints the identity the board announces")
    func identifyJSON() throws {
        let board = try PseudoTerminalBoard(firmwareVersion: "e2e-1.2.3", serialNumber: "E2E0001")
        defer { board.stop() }
        let result = try SMPCtlProcess.run(["identify", "--port", board.slavePath, "--json"])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let identity = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        )
        #expect(identity["board_model"] as? String == "smp-driver-r1")
        #expect(identity["firmware_version"] as? String == "e2e-1.2.3")
        #expect(identity["serial_number"] as? String == "E2E0001")
        #expect(identity["protocol_version"] as? Int == Int(WireSchema.protocolVersion))
        #expect(identity["clock_hz"] as? Int == 1_000_000)
        #expect(identity["queue_capacity"] as? Int == BoardDefinition.r1.queueCapacity)
        #expect(identity["port"] as? String == board.slavePath)
        #expect(identity["backend"] as? String == "termios")
        let limits = try #require(identity["limits"] as? [String: Any])
        #expect(limits["hang_ceiling_micrometres"] as? Int == 2_000)
    }

    @Test("identify prints a human summary naming the port and the board")
    func identifyText() throws {
        let board = try PseudoTerminalBoard(firmwareVersion: "e2e-1.2.3", serialNumber: "E2E0001")
        defer { board.stop() }
        let result = try SMPCtlProcess.run(["identify", "--port", board.slavePath])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        #expect(
            result.standardOutput.hasPrefix("\(board.slavePath): smp-driver-r1, firmware e2e-1.2.3, serial E2E0001\n"))
        #expect(result.standardOutput.contains("clock      1000000 Hz"))
    }

    @Test("a silent peer: exit 74 naming the port, after the timeout")
    func silentPeer() throws {
        let pty = try PseudoTerminal()
        let result = try SMPCtlProcess.run(["identify", "--port", pty.slavePath, "--timeout", "300"])
        #expect(result.status == 74)
        #expect(result.standardError.hasPrefix("smpctl: \(pty.slavePath): no answer to 3 hellos"))
    }

    @Test(
        "unusable ports: exit 69 with one line naming the port and the reason",
        arguments: [
            ("/dev/ttyNOPE42", "smpctl: /dev/ttyNOPE42: no such device (stat: No such file or directory)"),
            ("/dev/null", "smpctl: /dev/null: not a serial port (sp_get_port_by_name:"),
            ("/etc/passwd", "smpctl: /etc/passwd: not a serial port (stat: it is a regular file"),
        ]
    )
    func unusablePort(path: String, message: String) throws {
        let result = try SMPCtlProcess.run(["identify", "--port", path])
        #expect(result.status == 69)
        #expect(result.standardError.hasPrefix(message), "stderr: \(result.standardError)")
        #expect(result.standardError.filter { $0 == "\n" }.count == 1)
    }

    @Test("a port another connection holds: exit 69, busy")
    func busyPort() async throws {
        let pty = try PseudoTerminal()
        let holder = try SerialPort.open(pty.slavePath)
        let result = try SMPCtlProcess.run(["identify", "--port", pty.slavePath])
        await holder.close()
        #expect(result.status == 69)
        #expect(result.standardError.hasPrefix("smpctl: \(pty.slavePath): port is busy"))
    }
}

/// The host side against the real simulator process: `smpctl sim --pty` started as a child, reached through
/// SMPSerial, spoken to with SMPWire, killed mid-stream and restarted.
@Suite("SMPSerial against smpctl sim --pty")
struct SimulatorEndToEndTests {
    @Test("handshake, stream status queries, kill the simulator: device lost at once; restart: reconnect works")
    func killAndReconnect() async throws {
        let simulator = try SimulatorProcess.start()
        defer { simulator.terminate() }
        let link = try SerialHostLink(path: simulator.devicePath, hostSoftware: "smpctl e2e")
        let hello = try await link.handshake()
        #expect(hello.boardModel == "smp-driver-r1")
        for _ in 0..<50 {
            let reply = try await link.request(.statusQuery)
            guard case .status = reply else {
                Issue.record("expected a status report, got \(reply)")
                return
            }
        }

        // Mid-stream: a query is on the wire when the simulator dies.
        try link.send(.statusQuery)
        let killedAt = ContinuousClock.now
        simulator.kill()
        let error = await #expect(throws: SerialError.self) { _ = try await link.nextMessage() }
        let observedAt = ContinuousClock.now
        #expect(error?.kind == .deviceLost)
        // The loss shows either in the write of the queued query (EIO, seen at once by this task) or at the end of
        // the byte stream; the latter is timed on the connection's I/O thread, so that a cooperative pool kept busy
        // by other tests running in parallel does not count. Either way it includes the kill and reaping the child.
        let detection = min(link.endedAt ?? observedAt, observedAt) - killedAt
        // The real figure (well under 200 ms) is in the benchmark; this bound only catches a hang.
        #expect(detection < .seconds(2), "device loss took \(detection)")
        await link.close()

        let restarted = try SimulatorProcess.start()
        defer { restarted.terminate() }
        let second = try SerialHostLink(path: restarted.devicePath, hostSoftware: "smpctl e2e")
        let secondHello = try await second.handshake()
        #expect(secondHello.boardModel == "smp-driver-r1")
        let reply = try await second.request(.statusQuery)
        if case .status = reply {} else { Issue.record("expected a status report after reconnecting, got \(reply)") }
        await second.close()
    }
}

extension SimulatorEndToEndTests {
    @Test("smpctl identify --json against the simulator prints its hello")
    func identifySimulator() throws {
        let simulator = try SimulatorProcess.start()
        defer { simulator.terminate() }
        let result = try SMPCtlProcess.run(["identify", "--port", simulator.devicePath, "--json"])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let identity = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        )
        #expect(identity["board_model"] as? String == "smp-driver-r1")
        #expect(identity["protocol_version"] as? Int == Int(WireSchema.protocolVersion))
        #expect(identity["clock_hz"] as? Int == 1_000_000)
        #expect(identity["firmware_version"] is String)
    }
}

/// `smpctl sim --pty` as a child process, run from the repository root so that its default Hardware/ paths resolve.
final class SimulatorProcess: @unchecked Sendable {
    let process: Process
    let devicePath: String

    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private init(process: Process, devicePath: String) {
        self.process = process
        self.devicePath = devicePath
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Starts the simulator and reads the device path it prints as its first line.
    static func start() throws -> SimulatorProcess {
        let process = Process()
        process.executableURL = SMPCtlProcess.executable
        process.arguments = ["sim", "--pty"]
        process.currentDirectoryURL = repositoryRoot
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line: [UInt8] = []
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            guard let first = byte.first else {
                throw Failure(description: "smpctl sim --pty exited before printing its device path")
            }
            if first == UInt8(ascii: "\n") { break }
            line.append(first)
        }
        return SimulatorProcess(process: process, devicePath: String(decoding: line, as: UTF8.self))
    }

    /// SIGKILL: no chance to close anything cleanly, like a crash or a yanked cable.
    func kill() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func terminate() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }
}

extension SerialHostLink {
    /// When the connection's I/O thread saw the end (see `PolledSerialConnection.endedAt`). Here and not in
    /// SMPSerialTesting because that type is internal to SMPSerial, reachable only through `@testable import`.
    var endedAt: ContinuousClock.Instant? { (connection as? PolledSerialConnection)?.endedAt }
}
