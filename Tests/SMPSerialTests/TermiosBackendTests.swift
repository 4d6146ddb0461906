import Foundation
import Glibc
import SMPSerialTesting
import SMPSystem
import Testing

@testable import SMPSerial

@Suite("termios backend on a pseudo-terminal")
struct TermiosBackendTests {
    @Test("a PTY is opened with termios automatically")
    func ptyChoosesTermios() async throws {
        let pty = try PseudoTerminal()
        let connection = try SerialPort.open(pty.slavePath)
        #expect(connection.backendName == "termios")
        #expect(connection.path == pty.slavePath)
        await connection.close()
    }

    @Test("bytes pass unchanged both ways, including CR, LF, 0x00 and 0xFF")
    func roundTrip() async throws {
        let pty = try PseudoTerminal()
        let connection = try SerialPort.open(pty.slavePath)
        var incoming = connection.bytes.makeAsyncIterator()
        let toBoard: [UInt8] = [0x00, 0x0D, 0x0A, 0x03, 0x11, 0x13, 0xFF] + Array(0...255)
        try await connection.write(toBoard)
        #expect(try pty.readFromMaster(count: toBoard.count) == toBoard)

        let fromBoard: [UInt8] = Array((0...255).reversed()) + [0x0D, 0x0A]
        try pty.writeToMaster(fromBoard)
        #expect(try await collect(&incoming, count: fromBoard.count) == fromBoard)
        await connection.close()
    }

    @Test("a partial message arrives at once, without waiting for more bytes")
    func partialChunkIsDelivered() async throws {
        let pty = try PseudoTerminal()
        let connection = try SerialPort.open(pty.slavePath)
        var incoming = connection.bytes.makeAsyncIterator()
        try pty.writeToMaster([1, 2, 3])
        // Unlike sp_blocking_read, nothing waits for a buffer to fill: three bytes come out as they are.
        #expect(try await collect(&incoming, count: 3) == [1, 2, 3])
        await connection.close()
    }

    @Test("closing the master is reported as device lost, promptly")
    func hangUpIsDeviceLost() async throws {
        let pty = try PseudoTerminal()
        let connection = try SerialPort.open(pty.slavePath)
        var incoming = connection.bytes.makeAsyncIterator()
        try pty.writeToMaster([42])
        #expect(try await collect(&incoming, count: 1) == [42])

        let start = ContinuousClock.now
        pty.close()
        let error = await #expect(throws: SerialError.self) {
            while try await incoming.next() != nil {}
        }
        #expect(error?.kind == .deviceLost)
        #expect(error?.port == pty.slavePath)
        // Timed on the I/O thread, which does not wait for a free thread of the (possibly busy) cooperative pool.
        // Generous bound for a loaded CI machine; the benchmark measures the real figure (well under 200 ms).
        let endedAt = try #require((connection as? PolledSerialConnection)?.endedAt)
        #expect(endedAt - start < .seconds(2))

        let writeError = await #expect(throws: SerialError.self) { try await connection.write([1]) }
        #expect(writeError?.kind == .deviceLost)
        await connection.close()
    }

    @Test("close() ends the byte stream normally and later writes fail as closed")
    func closeEndsStream() async throws {
        let pty = try PseudoTerminal()
        let connection = try SerialPort.open(pty.slavePath)
        var incoming = connection.bytes.makeAsyncIterator()
        await connection.close()
        #expect(try await incoming.next() == nil)
        let error = await #expect(throws: SerialError.self) { try await connection.write([1, 2]) }
        #expect(error?.kind == .closed)
        await connection.close()
    }

    @Test("a large write waits until the peer has read it: back-pressure")
    func backPressure() async throws {
        let pty = try PseudoTerminal()
        let connection = try SerialPort.open(pty.slavePath)
        // Far more than a PTY buffers (a few KiB), so the write cannot finish until the peer reads.
        let payload = (0..<262_144).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let writer = Task { try await connection.write(payload) }
        let received = try await Task.detached { try pty.readFromMaster(count: payload.count, timeout: .seconds(10)) }
            .value
        try await writer.value
        #expect(received == payload)
        await connection.close()
    }

    @Test("writes from several tasks each arrive whole")
    func concurrentWritesStayWhole() async throws {
        let pty = try PseudoTerminal()
        let connection = try SerialPort.open(pty.slavePath)
        let blocks = (0..<8).map { index in [UInt8](repeating: UInt8(index), count: 4096) }
        let reader = Task.detached { try pty.readFromMaster(count: blocks.count * 4096, timeout: .seconds(10)) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for block in blocks { group.addTask { try await connection.write(block) } }
            try await group.waitForAll()
        }
        let received = try await reader.value
        #expect(received.count == blocks.count * 4096)
        // Each 4096-byte block is contiguous: runs of one value, in multiples of 4096.
        var index = 0
        while index < received.count {
            let value = received[index]
            #expect(received[index..<index + 4096].allSatisfy { $0 == value })
            index += 4096
        }
        await connection.close()
    }

    @Test("a second open of the same port is refused as busy, and works again after close")
    func exclusiveAccess() async throws {
        let pty = try PseudoTerminal()
        let first = try SerialPort.open(pty.slavePath)
        let error = #expect(throws: SerialError.self) { try SerialPort.open(pty.slavePath) }
        #expect(error?.kind == .busy)
        #expect(error?.isUnavailable == true)
        #expect(error?.description.contains(pty.slavePath) == true)
        await first.close()
        let second = try SerialPort.open(pty.slavePath)
        await second.close()
    }

    @Test("a failing read mid-stream ends the stream with an I/O error")
    func readFailure() async throws {
        let pty = try PseudoTerminal()
        let faults = FaultInjection()
        faults.fail("read", errorNumber: EOVERFLOW)
        let connection = try FaultInjection.$current.withValue(faults) { try SerialPort.open(pty.slavePath) }
        var incoming = connection.bytes.makeAsyncIterator()
        try pty.writeToMaster([1])
        let error = await #expect(throws: SerialError.self) {
            while try await incoming.next() != nil {}
        }
        #expect(error?.kind == .inputOutput)
        #expect(error?.operation == "read")
        await connection.close()
    }
}

@Suite("Pending writes when the connection ends")
struct PendingWriteTests {
    @Test("a write waiting for the peer fails with device lost when the peer hangs up")
    func pendingWriteFailsOnHangUp() async throws {
        let pty = try PseudoTerminal()
        let connection = try SerialPort.open(pty.slavePath)
        // More than the PTY buffers, and the peer never reads: the write stays pending.
        let writer = Task { try await connection.write([UInt8](repeating: 7, count: 1 << 20)) }
        pty.close()
        let error = await #expect(throws: SerialError.self) { try await writer.value }
        #expect(error?.kind == .deviceLost)
        await connection.close()
    }

    @Test("a write waiting for the peer fails as closed when the connection is closed")
    func pendingWriteFailsOnClose() async throws {
        let pty = try PseudoTerminal()
        let connection = try SerialPort.open(pty.slavePath)
        let writer = Task { try await connection.write([UInt8](repeating: 7, count: 1 << 20)) }
        await connection.close()
        let error = await #expect(throws: SerialError.self) { try await writer.value }
        #expect(error?.kind == .closed)
    }

    @Test("after a device is lost, a new device on a new path opens normally (simulator restart)")
    func reconnectAfterLoss() async throws {
        let first = try PseudoTerminal()
        let lostConnection = try SerialPort.open(first.slavePath)
        var lostIncoming = lostConnection.bytes.makeAsyncIterator()
        first.close()
        await #expect(throws: SerialError.self) { while try await lostIncoming.next() != nil {} }
        await lostConnection.close()

        let second = try PseudoTerminal()
        let connection = try SerialPort.open(second.slavePath)
        var incoming = connection.bytes.makeAsyncIterator()
        try second.writeToMaster([5, 6])
        #expect(try await collect(&incoming, count: 2) == [5, 6])
        await connection.close()
    }
}
