import Benchmark
import Foundation
import Glibc
import Logging
import SMPControl
import SMPRun
import SMPSerial
import SMPSerialTesting

/// A connection to a PTY peer, kept open across the iterations of one benchmark.
final class Fixture: @unchecked Sendable {
    let peer: PseudoTerminalPeer
    let connection: any SerialConnection
    var incoming: AsyncThrowingStream<[UInt8], any Error>.Iterator

    init(_ behaviour: PseudoTerminalPeer.Behaviour) throws {
        peer = try PseudoTerminalPeer(behaviour)
        connection = try SerialPort.open(peer.slavePath)
        incoming = connection.bytes.makeAsyncIterator()
    }

    /// Sends `bytes` and waits until as many have come back from the echo peer.
    func roundTrip(_ bytes: [UInt8]) async throws {
        try await connection.write(bytes)
        var received = 0
        while received < bytes.count {
            guard let chunk = try await incoming.next() else { throw SerialError.ended }
            received += chunk.count
        }
    }

    func shutDown() async {
        await connection.close()
        peer.closeMaster()
    }
}

extension SerialError {
    static let ended = SerialError(kind: .closed, operation: "next", port: "pty", message: "stream ended")
}

/// The controller did not identify the board.
struct NotIdentified: Error {
    let state: SessionController.State
}

nonisolated(unsafe) var fixture: Fixture?
nonisolated(unsafe) var statusBoard: PseudoTerminalBoard?

/// What `smpctl identify` does, minus the process: the real controller in identify-only mode over the wall-time
/// transport, from opening the port to closing it.
func identify(_ path: String) throws {
    let transport = try SerialControllerTransport(path: path)
    defer { transport.close() }
    var configuration = SessionController.Configuration()
    configuration.identifyOnly = true
    // A new session each time, as a new smpctl process would open.
    configuration.sessionID = UInt32.random(in: 1...UInt32.max)
    var driver = ControllerDriver(
        controller: SessionController(
            dots: [], board: .r1, handpiece: .rotaryR1, configuration: configuration,
            logger: Logger(label: "bench") { _ in SwiftLogNoOpLogHandler() }),
        transport: transport)
    driver.drainTime = 0
    driver.run(limit: 5_000_000)
    guard driver.controller.state == .finished else { throw NotIdentified(state: driver.controller.state) }
}

/// CPU time (user + system) this process has used so far, in microseconds.
func processCPUMicroseconds() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1_000_000 + usage.ru_utime.tv_usec + usage.ru_stime.tv_usec
}

/// Round trips of `payload` through a PTY to an echo peer: the transport alone, without the protocol.
func echoRoundTrip(_ name: String, _ payload: [UInt8], maxIterations: Int) {
    Benchmark(
        name,
        configuration: .init(
            metrics: [.wallClock, .cpuTotal],
            timeUnits: .microseconds,
            maxDuration: .seconds(5),
            maxIterations: maxIterations
        )
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            do { try await fixture?.roundTrip(payload) } catch { benchmark.error("\(error)") }
        }
    } setup: {
        fixture = try Fixture(.echo)
    } teardown: {
        await fixture?.shutDown()
        fixture = nil
    }
}

let benchmarks: @Sendable () -> Void = {
    // 16 bytes: about the size of an SMPWire status query frame.
    let statusQuery = [UInt8](repeating: 0x5A, count: 16)
    let block4K = (0..<4096).map { UInt8(truncatingIfNeeded: $0) }
    let oneMiB = [UInt8](repeating: 0xA5, count: 1 << 20)

    echoRoundTrip("PTY round trip, 16-byte query to an echo peer", statusQuery, maxIterations: 20_000)

    Benchmark(
        "PTY identify through the controller: open, hello, one status query, close",
        configuration: .init(
            metrics: [.wallClock, .cpuTotal],
            timeUnits: .microseconds,
            maxDuration: .seconds(5),
            maxIterations: 1_000
        )
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            do {
                guard let board = statusBoard else { return }
                try identify(board.slavePath)
            } catch {
                benchmark.error("\(error)")
            }
        }
    } setup: {
        statusBoard = try PseudoTerminalBoard(firmwareVersion: "bench", serialNumber: "BENCH")
    } teardown: {
        statusBoard?.stop()
        statusBoard = nil
    }

    echoRoundTrip("PTY round trip, 4 KiB block to an echo peer", block4K, maxIterations: 10_000)

    Benchmark(
        "PTY write 1 MiB to a reading peer (sustained throughput)",
        configuration: .init(
            metrics: [.wallClock, .cpuTotal, .throughput],
            timeUnits: .milliseconds,
            maxDuration: .seconds(5),
            maxIterations: 200
        )
    ) { benchmark in
        for _ in benchmark.scaledIterations {
            do { try await fixture?.connection.write(oneMiB) } catch { benchmark.error("\(error)") }
        }
    } setup: {
        fixture = try Fixture(.sink)
    } teardown: {
        await fixture?.shutDown()
        fixture = nil
    }

    Benchmark(
        "Device loss: hang-up to deviceLost, after 250 ms idle",
        configuration: .init(
            metrics: [
                .wallClock,
                .custom(
                    "CPU while waiting (per mille of one core)", polarity: .prefersSmaller, useScalingFactor: false),
            ],
            timeUnits: .microseconds,
            maxDuration: .seconds(10),
            maxIterations: 20
        )
    ) { benchmark in
        do {
            let peer = try PseudoTerminalPeer(.idle)
            let connection = try SerialPort.open(peer.slavePath)
            var incoming = connection.bytes.makeAsyncIterator()
            // The I/O thread now waits in poll; measure what waiting costs over a quarter second.
            let cpuBefore = processCPUMicroseconds()
            let wallBefore = ContinuousClock.now
            try await Task.sleep(for: .milliseconds(250))
            let cpuUsed = processCPUMicroseconds() - cpuBefore
            let waited = ContinuousClock.now - wallBefore
            let waitedMicroseconds =
                Int(waited.components.seconds) * 1_000_000
                + Int(waited.components.attoseconds / 1_000_000_000_000)
            benchmark.measurement(
                .custom(
                    "CPU while waiting (per mille of one core)", polarity: .prefersSmaller, useScalingFactor: false),
                cpuUsed * 1000 / max(1, waitedMicroseconds)
            )

            benchmark.startMeasurement()
            peer.closeMaster()
            var lost = false
            do {
                while try await incoming.next() != nil {}
            } catch let error as SerialError where error.kind == .deviceLost {
                lost = true
            }
            benchmark.stopMeasurement()
            if !lost { benchmark.error("the stream ended without deviceLost") }
            await connection.close()
        } catch {
            benchmark.error("\(error)")
        }
    }
}
