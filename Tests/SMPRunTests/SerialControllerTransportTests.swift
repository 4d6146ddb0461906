import Foundation
import Glibc
import SMPControl
import SMPRun
import SMPSerial
import SMPSystem
import Testing

/// The real controller over a real port in wall time: the simulated board on a pseudo-terminal.
@Suite("SerialControllerTransport against a PTY board")
struct SerialControllerTransportTests {
    @Test("a short dry session on the flat pad over the PTY, in wall time, ends finished with every dot done")
    func drySessionFinishes() throws {
        let board = try SimulatorOnPTY()
        defer { board.stop() }
        let dots = SimulatorOnPTY.dots(4)
        let transport = try SerialControllerTransport(path: board.slavePath)
        defer { transport.close() }
        var driver = ControllerDriver(controller: SimulatorOnPTY.controller(dots: dots), transport: transport)
        driver.run(limit: 30_000_000)
        #expect(driver.controller.state == .finished, "\(driver.controller.state)")
        #expect(driver.controller.accounting.done == dots.count)
        #expect(driver.controller.faults.isEmpty)
        #expect(!transport.isClosed)
        #expect(transport.bytesWritten > 0 && transport.bytesRead > 0)
    }

    /// Issue 12's targets: waiting costs under 5 % of a core, and a port that vanishes is reported within 200 ms
    /// (bounded here at 1 s, since other suites load the machine; the figure is in Docs/Performance.md).
    /// `SMPRUN_IDLE_SECONDS` sets how long the held session waits (default 1 s).
    @Test("held and waiting, the driver uses under 5 % of a core; a yanked port faults the session at once")
    func idleCostAndVanishingPort() throws {
        let board = try SimulatorOnPTY()
        defer { board.stop() }
        let idleSeconds = ProcessInfo.processInfo.environment["SMPRUN_IDLE_SECONDS"].flatMap(Double.init) ?? 1
        let transport = try SerialControllerTransport(path: board.slavePath)
        defer { transport.close() }
        var driver = ControllerDriver(
            controller: SimulatorOnPTY.controller(dots: SimulatorOnPTY.dots(40)), transport: transport)
        let yankedAt = Shared<UInt64?>(nil)
        let yankReturned = DispatchSemaphore(value: 0)
        var idleSince: (host: UInt64, cpu: UInt64)?
        var idleShare: Double?
        driver.run(limit: 60_000_000) { driver in
            let now = driver.transport.now
            switch driver.controller.state {
            case .running where driver.controller.accounting.done >= 1 && idleSince == nil:
                return .hold
            case .holding where idleSince == nil:
                idleSince = (now, threadCPUMicroseconds())
            case .holding where idleShare == nil:
                guard let since = idleSince, now - since.host >= UInt64(idleSeconds * 1e6) else { break }
                idleShare = Double(threadCPUMicroseconds() - since.cpu) / Double(now - since.host)
                // Pulled while the driver sleeps in poll, from another thread, as a cable is.
                DispatchQueue.global().async {
                    yankedAt.value = board.yank()
                    yankReturned.signal()
                }
            default:
                break
            }
            return nil
        }
        let returnedAt = transport.now
        let share = try #require(idleShare, "the session never held: \(driver.controller.state)")
        print("idle: \(String(format: "%.3f", share * 100)) % of a core over \(idleSeconds) s held")
        #expect(share < 0.05)
        // The driver can notice the hang-up before the yanking thread has stored when it happened.
        #expect(yankReturned.wait(timeout: .now() + 10) == .success, "the yank never returned")
        let yanked = try #require(yankedAt.value)
        let closedAt = try #require(transport.closedAt)
        print("vanish: reported \(closedAt - yanked) µs after the hang-up, driver back after \(returnedAt - yanked) µs")
        #expect(closedAt - yanked < 1_000_000)
        #expect(returnedAt - yanked < 1_000_000)
        guard case .faulted(.transportClosed(let reason)) = driver.controller.state else {
            Issue.record("expected the transport's close to fault the session, got \(driver.controller.state)")
            return
        }
        #expect(reason.contains(board.slavePath) && reason.contains("device lost"), "\(reason)")
        #expect(transport.lastError?.kind == .deviceLost)
        // Every dot accounted for: done before the hold, or skipped or uncertain with the loss as the reason.
        let accounting = driver.controller.finalAccounting
        #expect(accounting.done >= 1 && accounting.settled == accounting.count)
    }

    @Test(
        "a write to a port that hung up closes the transport with the write's error; a closed transport reads nothing and writes nothing"
    )
    func writeToClosedPort() throws {
        let pty = try PseudoTerminal()
        let transport = try SerialControllerTransport(path: pty.slavePath)
        pty.close()
        transport.write([0x7E, 0x01, 0x02, 0x7E])
        #expect(transport.isClosed)
        let error = try #require(transport.lastError)
        #expect(error.kind == .deviceLost && error.operation == "write", "\(error)")
        #expect(transport.bytesWritten == 0)
        // Closed, a wait sleeps to its deadline (a run waiting to reopen the port does not spin) and reads nothing.
        let before = transport.now
        #expect(transport.waitForBytes(until: before + 200_000).isEmpty)
        #expect(transport.now - before >= 190_000)
        transport.write([0x7E])
        transport.close()
        #expect(transport.lastError == error)
    }

    @Test("a write much larger than the kernel's buffer all goes out, in order, while the board reads")
    func largeWriteGoesOutWhole() throws {
        let pty = try PseudoTerminal()
        let transport = try SerialControllerTransport(path: pty.slavePath)
        defer { transport.close() }
        let bytes = (0..<(1 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let received = Shared<[UInt8]>([])
        let done = DispatchSemaphore(value: 0)
        Thread {
            received.value = (try? pty.readFromMaster(count: bytes.count, timeout: .seconds(20))) ?? []
            done.signal()
        }.start()
        transport.write(bytes)
        done.wait()
        #expect(!transport.isClosed, "\(String(describing: transport.lastError))")
        #expect(transport.bytesWritten == bytes.count)
        #expect(received.value == bytes)
    }

    @Test("a write the port takes nothing of for a second closes the transport, naming the write")
    func stalledWriteCloses() throws {
        // Nobody reads the master: the kernel's buffer fills and stays full.
        let pty = try PseudoTerminal(holdingSlaveOpen: true)
        let transport = try SerialControllerTransport(path: pty.slavePath)
        let start = transport.now
        transport.write([UInt8](repeating: 0x55, count: 1 << 20))
        let waited = transport.now - start
        #expect(transport.isClosed)
        let error = try #require(transport.lastError)
        #expect(error.operation == "write" && error.message.contains("took no byte"), "\(error)")
        #expect(waited >= 1_000_000 && waited < 5_000_000, "\(waited) µs")
        pty.close()
    }

    @Test("a port gone before the hello: the session faults at once, not after its hellos or the silence limit")
    func portGoneBeforeHello() throws {
        let pty = try PseudoTerminal()
        let transport = try SerialControllerTransport(path: pty.slavePath)
        pty.close()
        var driver = ControllerDriver(controller: SimulatorOnPTY.controller(dots: []), transport: transport)
        let start = transport.now
        driver.run(limit: 10_000_000)
        #expect(transport.now - start < 500_000)
        guard case .faulted(.transportClosed) = driver.controller.state else {
            Issue.record("expected transportClosed, got \(driver.controller.state)")
            return
        }
    }

    @Test("close releases the port: it opens again at once, and writes after close are dropped")
    func closeReleasesThePort() throws {
        let pty = try PseudoTerminal(holdingSlaveOpen: true)
        let first = try SerialControllerTransport(path: pty.slavePath)
        first.close()
        first.write([0x7E])
        #expect(first.lastError?.kind == .closed && first.bytesWritten == 0)
        let second = try SerialControllerTransport(path: pty.slavePath)
        #expect(!second.isClosed)
        second.close()
    }
}
