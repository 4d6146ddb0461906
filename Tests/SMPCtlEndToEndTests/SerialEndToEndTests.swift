import Foundation
import Glibc
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

/// The host side against the real simulator process: `smpctl sim --pty` started as a child, reached through
/// SMPSerial, spoken to with SMPWire, killed mid-stream and restarted.
@Suite("SMPSerial against smpctl sim --pty")
struct SimulatorEndToEndTests {
    @Test("handshake, stream status queries, kill the simulator: device lost at once; restart: reconnect works")
    func killAndReconnect() async throws {
        let simulator = try SimulatorProcess.start()
        defer { simulator.terminate() }
        let link = try HostLink(path: simulator.devicePath)
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
        let second = try HostLink(path: restarted.devicePath)
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

/// A host-role WireSession driven over an SMPSerial connection, as the CLI does it: bytes from the connection in,
/// `poll` at every deadline, output written with back-pressure.
final class HostLink {
    private enum Input: Sendable {
        case bytes([UInt8])
        case deadline
        case ended(SerialError?)
    }

    private let connection: any SerialConnection
    private var session = WireSession(configuration: SessionConfiguration(role: .host))
    private let feed: AsyncStream<Input>.Continuation
    private var inputs: AsyncStream<Input>.Iterator
    private let reader: Task<Void, Never>
    private var timer: Task<Void, Never>?
    private var pendingMessages: [Message] = []
    private let start = ContinuousClock.now

    init(path: String) throws {
        let connection = try SerialPort.open(path)
        self.connection = connection
        let (stream, feed) = AsyncStream.makeStream(of: Input.self)
        self.feed = feed
        inputs = stream.makeAsyncIterator()
        reader = Task {
            do {
                for try await chunk in connection.bytes { feed.yield(.bytes(chunk)) }
                feed.yield(.ended(nil))
            } catch {
                feed.yield(.ended(error as? SerialError))
            }
        }
    }

    private var now: UInt64 {
        let elapsed = ContinuousClock.now - start
        return UInt64(elapsed.components.seconds) * 1_000_000
            + UInt64(elapsed.components.attoseconds / 1_000_000_000_000)
    }

    func handshake() async throws -> BoardHello {
        session.connect(sessionID: UInt32.random(in: 1...UInt32.max), hostSoftware: "smpctl e2e", now: now)
        return try await step { event in
            if case .established(peer: .board(let hello)) = event { return hello }
            return nil
        }
    }

    func send(_ message: Message) throws {
        try session.send(message, now: now)
    }

    func request(_ message: Message) async throws -> Message {
        try send(message)
        return try await nextMessage()
    }

    func nextMessage() async throws -> Message {
        if !pendingMessages.isEmpty { return pendingMessages.removeFirst() }
        return try await step { event in
            switch event {
            case .message(let message), .priority(let message): return message
            default: return nil
            }
        }
    }

    /// When the connection's I/O thread saw the end (see `PolledSerialConnection.endedAt`).
    var endedAt: ContinuousClock.Instant? { (connection as? PolledSerialConnection)?.endedAt }

    func close() async {
        reader.cancel()
        timer?.cancel()
        feed.finish()
        await connection.close()
    }

    struct LinkError: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs the session until `decide` picks a result from one of its events.
    private func step<Result>(_ decide: (SessionEvent) -> Result?) async throws -> Result {
        while true {
            let (bytes, events) = session.poll(now: now)
            if !bytes.isEmpty { try await connection.write(bytes) }
            for event in events {
                if let result = decide(event) { return result }
                try check(event)
            }
            timer?.cancel()
            if let deadline = session.nextDeadline {
                let wait = deadline > now ? deadline - now : 0
                let feed = self.feed
                timer = Task {
                    try? await Task.sleep(for: .microseconds(wait))
                    if !Task.isCancelled { feed.yield(.deadline) }
                }
            }
            guard let input = await inputs.next() else { throw LinkError(description: "input ended") }
            switch input {
            case .bytes(let chunk):
                var decided: Result?
                for event in session.receive(chunk, now: now) {
                    if decided == nil, let result = decide(event) {
                        decided = result
                    } else if case .message(let message) = event {
                        pendingMessages.append(message)
                    } else if case .priority(let message) = event {
                        pendingMessages.append(message)
                    } else {
                        try check(event)
                    }
                }
                if let decided { return decided }
            case .deadline:
                continue
            case .ended(let error):
                throw error ?? LinkError(description: "the connection ended")
            }
        }
    }

    private func check(_ event: SessionEvent) throws {
        switch event {
        case .refused(let mismatch): throw LinkError(description: "refused: \(mismatch)")
        case .linkFailed(let failure): throw LinkError(description: "link failed: \(failure)")
        default: break
        }
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
