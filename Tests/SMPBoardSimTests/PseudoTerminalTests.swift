import Foundation
import SMPBoardSim
import SMPSystem
import SMPWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A core that answers every byte with its uppercase and says "T" once at board time 1 ms: enough to see the
/// runner move bytes both ways and honour deadlines.
private struct UppercaseEchoCore: BoardCore {
    var tickDue: UInt64? = 1000

    mutating func receive(_ bytes: [UInt8], at time: UInt64) -> [UInt8] {
        bytes.map { (97...122).contains($0) ? $0 - 32 : $0 }
    }

    mutating func advance(to time: UInt64) -> [UInt8] {
        guard let due = tickDue, time >= due else { return [] }
        tickDue = nil
        return Array("T".utf8)
    }

    var nextDeadline: UInt64? { tickDue }
}

@Suite("Pseudo-terminal host")
struct PseudoTerminalTests {
    @Test("a host on the slave path talks to the core both ways, reconnects, and the loop stops on request")
    func roundTrip() throws {
        let runner = try PTYBoardRunner(faults: FaultPlan(), seed: 1, clock: .exact)
        let path = runner.terminal.slavePath
        #expect(path.hasPrefix("/dev/pts/"))
        let stop = runner.stopHandle
        let received = HostTranscript()
        let host = Thread {
            for word in ["abc", "xyz"] {
                // Connect, talk, disconnect: the second connection must work like the first.
                let descriptor = open(path, O_RDWR | O_NOCTTY)
                guard descriptor >= 0 else { break }
                var settings = termios()
                tcgetattr(descriptor, &settings)
                cfmakeraw(&settings)
                tcsetattr(descriptor, TCSANOW, &settings)
                _ = word.withCString { write(descriptor, $0, strlen($0)) }
                var collected: [UInt8] = []
                let expected = word.uppercased().utf8.count
                var attempts = 0
                // The first connection also waits for the core's timed "T" (due 1 ms after the loop starts).
                let wantTick = word == "abc"
                func done() -> Bool {
                    collected.filter({ $0 != UInt8(ascii: "T") }).count >= expected
                        && (!wantTick || collected.contains(UInt8(ascii: "T")))
                }
                while !done() && attempts < 50 {
                    var fds = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
                    attempts += 1
                    guard poll(&fds, 1, 100) > 0 else { continue }
                    var buffer = [UInt8](repeating: 0, count: 64)
                    let count = read(descriptor, &buffer, 64)
                    if count > 0 { collected += buffer[0..<count] }
                }
                received.append(String(decoding: collected.filter { $0 != UInt8(ascii: "T") }, as: UTF8.self))
                close(descriptor)
            }
            stop.requestStop()
        }
        host.start()
        var core = UppercaseEchoCore()
        try runner.run(&core)
        #expect(received.lines == ["ABC", "XYZ"])
        #expect(core.tickDue == nil)
        #expect(runner.statistics.bytesFromHost == 6)
    }
}

/// What the host thread read, shared with the test.
private final class HostTranscript: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []

    func append(_ line: String) { lock.withLock { storage.append(line) } }
    var lines: [String] { lock.withLock { storage } }
}

@Suite("Virtual bench")
struct VirtualBenchTests {
    @Test("bytes cross the link and the board's timers run in virtual time, reproducibly with faults")
    func virtualTime() throws {
        func run() throws -> [UInt8] {
            var bench = VirtualBench(
                board: UppercaseEchoCore(), clock: .exact,
                faults: try FaultPlan(parsing: "delay=2ms,jitter=1ms,corrupt=0.05"), seed: 3)
            bench.hostWrites(Array("hello".utf8))
            var received = bench.run(until: 500)
            #expect(received.isEmpty)  // the delay has not passed
            received += bench.run(until: 10_000)
            #expect(bench.now == 10_000)
            #expect(bench.board.tickDue == nil)
            return received
        }
        let first = try run()
        #expect(first.count == 6)
        #expect(first == (try run()))
    }
}

@Suite("Simulated board on a pseudo-terminal")
struct SimulatedBoardPTYTests {
    @Test("a host session over the device path gets the board's hello and a status, and the truth is written")
    func handshakeOverPTY() throws {
        let setup = SimulationSetup(board: try Fixtures.board(), skinType: .thin, seed: 5)
        let runner = try PTYBoardRunner(setup: setup)
        let path = runner.terminal.slavePath
        let stop = runner.stopHandle
        let transcript = HostTranscript()
        let host = Thread {
            defer { stop.requestStop() }
            let descriptor = open(path, O_RDWR | O_NOCTTY)
            guard descriptor >= 0 else { return }
            defer { close(descriptor) }
            var settings = termios()
            tcgetattr(descriptor, &settings)
            cfmakeraw(&settings)
            tcsetattr(descriptor, TCSANOW, &settings)
            var session = WireSession(configuration: SessionConfiguration(role: .host))
            // The host's own clock: only used for its retransmission and hello timers.
            var clock: UInt64 = 0
            session.connect(sessionID: 0xA5A5, hostSoftware: "pty-test", now: clock)
            var askedStatus = false
            for _ in 0..<500 {  // at most ~5 s
                let (bytes, _) = session.poll(now: clock)
                if !bytes.isEmpty { _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) } }
                var fds = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
                if poll(&fds, 1, 10) > 0 {
                    var buffer = [UInt8](repeating: 0, count: 1024)
                    let count = read(descriptor, &buffer, buffer.count)
                    if count > 0 {
                        for event in session.receive(buffer[0..<count], now: clock) {
                            switch event {
                            case .established(.board(let hello)): transcript.append("hello \(hello.boardModel)")
                            case .message(.status(let status)): transcript.append("status \(status.state)")
                            default: break
                            }
                        }
                    }
                }
                clock += 10_000
                if session.isEstablished && !askedStatus {
                    try? session.send(.statusQuery, now: clock)
                    askedStatus = true
                }
                if transcript.lines.contains(where: { $0.hasPrefix("status") }) { return }
            }
        }
        host.start()
        var board = SimulatedBoard(setup: setup)
        try runner.run(&board)
        #expect(transcript.lines == ["hello smp-driver-r1", "status safe"])
        let truthPath = try Fixtures.temporaryFile("", name: "truth.json")
        try AtomicFileWriter.write(try board.truth().jsonData(), to: truthPath)
        let decoded = try SimulationTruth.load(from: truthPath)
        #expect(decoded == board.truth())
        #expect(decoded.skinType == .thin)
        #expect(decoded.summary.bytesReceived > 0)
    }
}
