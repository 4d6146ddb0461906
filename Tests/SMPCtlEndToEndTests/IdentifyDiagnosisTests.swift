import Foundation
import Glibc
import SMPBoardSim
import SMPHardware
import SMPSerialTesting
import SMPSystem
import SMPWire
import Testing

/// A peer on a pseudo-terminal that is not a well-behaved board: it plays the master side on its own thread.
final class HostilePeer: @unchecked Sendable {
    enum Behaviour {
        /// Sends nothing.
        case silent
        /// Sends seeded noise, a burst every 20 ms.
        case noise
        /// Sends back every byte it receives.
        case echo
        /// Answers with a valid board hello of session 424242, whatever the host's session.
        case helloOfAnotherSession
        /// Answers with a handshake frame whose hello does not decode.
        case undecodableHello
        /// Answers the host's own session with a board hello of protocol version 99.
        case otherProtocolVersion
    }

    let pty: PseudoTerminal
    private let behaviour: Behaviour
    private let lock = NSLock()
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)

    var slavePath: String { pty.slavePath }

    init(_ behaviour: Behaviour) throws {
        pty = try PseudoTerminal(holdingSlaveOpen: true, nonBlockingMaster: true)
        self.behaviour = behaviour
        Thread.detachNewThread { [self] in
            serve()
            finished.signal()
        }
    }

    func stop() {
        lock.withLock { stopped = true }
        finished.wait()
        pty.close()
    }

    static let identity = BoardHello(
        sessionID: 424_242, boardModel: "smp-driver-r1", firmwareVersion: "other-1.0", serialNumber: "X1",
        clockHertz: 1_000_000, queueCapacity: 128, limits: BoardLimits(BoardDefinition.r1), boardTime: 0,
        lastCompletedDot: 0,
        pendingCompletions: 0, handpieceModel: "rotary-r1", cartridge: "3RL 0.25", surfaceMode: .unmapped)

    /// `message` as a handshake frame on the wire, with a leading delimiter.
    static func frame(_ message: Message) throws -> [UInt8] {
        try frame(raw: message.encoded())
    }

    static func frame(raw: RawMessage) throws -> [UInt8] {
        var encoder = FrameEncoder()
        var bytes: [UInt8] = []
        try encoder.encode(Frame(acknowledgement: 255, body: .handshake(raw)), into: &bytes, leadingDelimiter: true)
        return bytes
    }

    private func serve() {
        var random = TestRandom(seed: 10)
        var analyzer = CaptureAnalyzer()
        while !lock.withLock({ stopped }) {
            let received = (try? pty.readFromMaster(count: 65_536, timeout: .milliseconds(20))) ?? []
            var reply: [UInt8] = []
            switch behaviour {
            case .silent:
                break
            case .noise:
                reply = (0..<200).map { _ in UInt8.random(in: 0...255, using: &random) }
            case .echo:
                reply = received
            case .helloOfAnotherSession:
                if !received.isEmpty { reply = (try? Self.frame(.boardHello(Self.identity))) ?? [] }
            case .undecodableHello:
                if !received.isEmpty {
                    reply = (try? Self.frame(raw: RawMessage(type: 0x02, payload: [0x63, 0x00, 0x01]))) ?? []
                }
            case .otherProtocolVersion:
                for record in analyzer.feed(received) {
                    if case .hostHello(let hello)? = record.message {
                        var answer = Self.identity
                        answer.sessionID = hello.sessionID
                        answer.protocolVersion = 99
                        reply += (try? Self.frame(.boardHello(answer))) ?? []
                    }
                }
            }
            if !reply.isEmpty { try? pty.writeToMaster(reply) }
        }
    }
}

/// `smpctl identify` says what came back when no board answered.
@Suite("smpctl identify, what came back")
struct IdentifyDiagnosisTests {
    @Test(
        "no answer: identify says whether it heard silence, noise, its own hellos, another session's or protocol's hello",
        arguments: [
            (HostilePeer.Behaviour.silent, Int32(74), "nothing came back (silence"),
            (.noise, 74, "bad frame(s) and no valid frame (noise, or the wrong baud rate?)"),
            (.echo, 74, "of our own hellos echoed back"),
            (.helloOfAnotherSession, 74, "board hello(s) for session 424242, not ours"),
            (.undecodableHello, 74, "hello frame(s) that do not decode (another protocol version?)"),
            (.otherProtocolVersion, 69, "speaks another protocol"),
        ])
    func diagnosis(behaviour: HostilePeer.Behaviour, status: Int32, says: String) throws {
        let peer = try HostilePeer(behaviour)
        defer { peer.stop() }
        let result = try SMPCtlProcess.run(["identify", "--port", peer.slavePath, "--timeout", "400"])
        #expect(result.status == status, "stderr: \(result.standardError)")
        #expect(result.standardError.contains(says), "stderr: \(result.standardError)")
        #expect(result.standardError.filter { $0 == "\n" }.count == 1, "stderr: \(result.standardError)")
    }

    @Test("the text output shows the speed and acceleration limits --json shows")
    func textShowsKinematicLimits() throws {
        let board = try PseudoTerminalBoard(firmwareVersion: "1.0", serialNumber: "K1")
        defer { board.stop() }
        let text = try SMPCtlProcess.run(["identify", "--port", board.slavePath])
        let json = try SMPCtlProcess.run(["identify", "--port", board.slavePath, "--json"])
        #expect(text.status == 0 && json.status == 0)
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(json.standardOutput.utf8)) as? [String: Any])
        let limits = try #require(document["limits"] as? [String: Any])
        let speedXY = try #require(limits["max_speed_xy_micrometres_per_second"] as? Int)
        let accelerationZ = try #require(limits["max_acceleration_z_micrometres_per_second2"] as? Int)
        #expect(text.standardOutput.contains(String(format: "XY         at most %.1f mm/s", Double(speedXY) / 1000)))
        #expect(text.standardOutput.contains(String(format: "%.1f mm/s2", Double(accelerationZ) / 1000)))
    }
}

/// `smpctl wire decode` on a live pipe: output before the end of input, memory bounded by the chunk, not the
/// capture.
@Suite("smpctl wire decode, streaming")
struct WireDecodeStreamingTests {
    @Test("records appear before the input ends, and 64 MB through a pipe keep the peak RSS under 48 MB")
    func streamsInBoundedMemory() throws {
        let process = Process()
        process.executableURL = SMPCtlProcess.executable
        process.arguments = ["wire", "decode"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let sink = LineCounter(output.fileHandleForReading)

        // A valid frame, then nothing more for now: its line must come out while stdin is still open.
        let frame: [UInt8] = [0x7E, 0x04, 0x05, 0x7D, 0x5D, 0x47, 0x34, 0x66, 0x40, 0x7E]
        try input.fileHandleForWriting.write(contentsOf: Data(frame))
        let deadline = ContinuousClock.now + .seconds(10)
        while sink.lines == 0 && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(sink.lines >= 1, "no output before the end of input")
        #expect(process.isRunning)

        var random = TestRandom(seed: 3)
        let megabyte = Data((0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &random) })
        for _ in 0..<64 { try input.fileHandleForWriting.write(contentsOf: megabyte) }
        // Still running (stdin open): the kernel's high-water mark of its resident memory so far.
        let peakKilobytes = try Self.peakResidentKilobytes(of: process.processIdentifier)
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(peakKilobytes < 48 * 1024, "peak RSS \(peakKilobytes) kB for 64 MB of input")
        #expect(sink.finish() > 100_000)
    }

    /// VmHWM from /proc/PID/status.
    static func peakResidentKilobytes(of pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") })
        return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]))
    }
}

/// Counts the lines a child writes, reading on a thread of its own.
final class LineCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                let newlines = data.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
                lock.withLock { count += newlines }
            }
            done.signal()
        }
    }

    var lines: Int { lock.withLock { count } }

    /// The line count once the child closed its output.
    func finish() -> Int {
        done.wait()
        return lines
    }
}

/// A small seeded generator (xorshift64*), so that noise is the same in every run.
struct TestRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed | 1 }

    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}
