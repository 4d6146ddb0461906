import Foundation
import Glibc
import SMPSerial
import SMPWire
import Testing

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

    @Test("ports with a hardware directory that does not exist fails with 69 and names it")
    func portsMissingHardware() throws {
        let result = try SMPCtlProcess.run(["ports", "--hardware", "/nonexistent/Hardware"])
        #expect(result.status == 69)
        #expect(result.standardError == "smpctl: /nonexistent/Hardware: no such directory (from --hardware)\n")
    }
}

/// `smpctl identify` against a board played by this test on a pseudo-terminal (a board-role WireSession on the
/// master), so that the command is tested without the simulator.
@Suite("smpctl identify, end to end with a PTY board")
struct IdentifyEndToEndTests {
    @Test("identify --json prints the identity the board announces")
    func identifyJSON() throws {
        let board = try FakeBoard()
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
        #expect(identity["queue_capacity"] as? Int == 64)
        #expect(identity["port"] as? String == board.slavePath)
        #expect(identity["backend"] as? String == "termios")
        let limits = try #require(identity["limits"] as? [String: Any])
        #expect(limits["hang_ceiling_micrometres"] as? Int == 2_000)
    }

    @Test("identify prints a human summary naming the port and the board")
    func identifyText() throws {
        let board = try FakeBoard()
        defer { board.stop() }
        let result = try SMPCtlProcess.run(["identify", "--port", board.slavePath])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        #expect(
            result.standardOutput.hasPrefix("\(board.slavePath): smp-driver-r1, firmware e2e-1.2.3, serial E2E0001\n"))
        #expect(result.standardOutput.contains("clock      1000000 Hz"))
    }

    @Test("a silent peer: exit 74 naming the port, after the timeout")
    func silentPeer() throws {
        let pty = try PseudoTerminalMaster()
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
        let pty = try PseudoTerminalMaster()
        let holder = try SerialPort.open(pty.slavePath)
        let result = try SMPCtlProcess.run(["identify", "--port", pty.slavePath])
        await holder.close()
        #expect(result.status == 69)
        #expect(result.standardError.hasPrefix("smpctl: \(pty.slavePath): port is busy"))
    }
}

/// A pseudo-terminal master opened through /dev/ptmx (Swift's Glibc module does not declare posix_openpt).
final class PseudoTerminalMaster: @unchecked Sendable {
    // Linux ioctl numbers (asm-generic/ioctls.h): TIOCSPTLCK = _IOW('T', 0x31, int), TIOCGPTN = _IOR('T', 0x30, int).
    private static let unlockRequest: UInt = 0x4004_5431
    private static let numberRequest: UInt = 0x8004_5430

    let descriptor: Int32
    let slavePath: String
    private let lock = NSLock()
    private var isOpen = true

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    init() throws {
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard master >= 0 else { throw Failure(description: "open /dev/ptmx: errno \(errno)") }
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard ioctl(master, Self.unlockRequest, &unlock) == 0, ioctl(master, Self.numberRequest, &number) == 0 else {
            close(master)
            throw Failure(description: "unlocking the PTY failed: errno \(errno)")
        }
        var settings = termios()
        if tcgetattr(master, &settings) == 0 {
            cfmakeraw(&settings)
            tcsetattr(master, TCSANOW, &settings)
        }
        descriptor = master
        slavePath = "/dev/pts/\(number)"
    }

    deinit { hangUp() }

    func hangUp() {
        lock.withLock {
            if isOpen {
                isOpen = false
                close(descriptor)
            }
        }
    }

    var stillOpen: Bool { lock.withLock { isOpen } }
}

/// Plays an SMP board on a PTY: a board-role WireSession fed from the master on its own thread.
final class FakeBoard: @unchecked Sendable {
    private let pty: PseudoTerminalMaster
    private let stopLock = NSLock()
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)
    var slavePath: String { pty.slavePath }

    init() throws {
        pty = try PseudoTerminalMaster()
        let identity = BoardHello(
            sessionID: 0, boardModel: "smp-driver-r1", firmwareVersion: "e2e-1.2.3", serialNumber: "E2E0001",
            clockHertz: 1_000_000, queueCapacity: 64, limits: .smpDriverR1, boardTime: 0, lastCompletedDot: 0,
            pendingCompletions: 0
        )
        let thread = Thread { [self] in
            serve(WireSession(configuration: SessionConfiguration(role: .board), boardIdentity: identity))
            finished.signal()
        }
        thread.start()
    }

    func stop() {
        stopLock.withLock { stopped = true }
        finished.wait()
        pty.hangUp()
    }

    private func serve(_ initial: WireSession) {
        var session = initial
        let start = ContinuousClock.now
        func now() -> UInt64 {
            let elapsed = ContinuousClock.now - start
            return UInt64(elapsed.components.seconds) * 1_000_000
                + UInt64(elapsed.components.attoseconds / 1_000_000_000_000)
        }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !stopLock.withLock({ stopped }) {
            var descriptor = pollfd(fd: pty.descriptor, events: Int16(POLLIN), revents: 0)
            // Short waits so that stop() is noticed; the session's own deadlines are far longer.
            let ready = poll(&descriptor, 1, 10)
            if ready > 0 {
                if descriptor.revents & Int16(POLLIN) != 0 {
                    let count = read(pty.descriptor, &buffer, buffer.count)
                    if count > 0 { _ = session.receive(buffer[0..<count], now: now()) }
                } else if descriptor.revents & Int16(POLLHUP) != 0 {
                    // No slave open (between host connections): avoid spinning on the hang-up.
                    usleep(10_000)
                }
            }
            let (bytes, _) = session.poll(now: now())
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { write(pty.descriptor, $0.baseAddress, $0.count) }
                if written <= 0 { break }
                offset += written
            }
        }
    }
}

/// The built `smpctl`, found next to the test bundle (both are products of the same build).
enum SMPCtlProcess {
    struct Result {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    static var executable: URL {
        // Linux: the test runner is an executable in the build directory; macOS: a bundle inside it.
        let testBinaryDirectory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent()
        let candidates = [
            testBinaryDirectory, Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
        ]
        for directory in candidates {
            let candidate = directory.appendingPathComponent("smpctl")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return testBinaryDirectory.appendingPathComponent("smpctl")
    }

    /// Runs smpctl to completion and returns its exit status and output.
    static func run(_ arguments: [String], environment: [String: String]? = nil) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData, as: UTF8.self)
        )
    }
}
