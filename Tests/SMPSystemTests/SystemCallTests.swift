import Foundation
import Glibc
import SMPSystem
import Testing

@Suite("System call wrapper")
struct SystemCallTests {
    @Test("-1 with errno becomes an error naming the call")
    func failureBecomesError() {
        let error = #expect(throws: SystemCallError.self) {
            try SystemCall.run("open") { open("/nonexistent/tty", O_RDONLY) }
        }
        #expect(error == SystemCallError(operation: "open", errorNumber: ENOENT))
        #expect(error?.description == "open: No such file or directory")
    }

    @Test("EINTR is retried, not reported")
    func interruptedCallIsRetried() throws {
        let faults = FaultInjection()
        faults.fail("tcsetattr", errorNumber: EINTR, times: 2)
        let result = try FaultInjection.$current.withValue(faults) {
            try SystemCall.run("tcsetattr") { Int32(0) }
        }
        #expect(result == 0)
        #expect(faults.recordedCalls == ["tcsetattr", "tcsetattr", "tcsetattr"])
    }

    @Test("would-block is nil for non-blocking reads and writes; other errors still throw")
    func wouldBlockIsNil() throws {
        let faults = FaultInjection()
        faults.fail("read", errorNumber: EAGAIN, times: 1)
        faults.fail("write", errorNumber: EIO, times: 1)
        let wouldBlock = try FaultInjection.$current.withValue(faults) {
            try SystemCall.runUnlessWouldBlock("read") { 5 }
        }
        #expect(wouldBlock == nil)
        FaultInjection.$current.withValue(faults) {
            #expect(throws: SystemCallError(operation: "write", errorNumber: EIO)) {
                try SystemCall.runUnlessWouldBlock("write") { 5 }
            }
        }
    }

    @Test("close is not retried on EINTR (Linux has released the descriptor)")
    func closeIsNotRetried() {
        let faults = FaultInjection()
        faults.fail("close", errorNumber: EINTR, times: 1)
        let error = FaultInjection.$current.withValue(faults) { SystemCall.close(Int32.max) }
        #expect(error == nil)
        #expect(faults.recordedCalls == ["close"])
    }

    @Test("EBADF is a programming error: the program stops instead of reporting an I/O error")
    func badDescriptorStops() async {
        await #expect(processExitsWith: .failure) {
            _ = try? SystemCall.run("read") { () -> Int in
                var byte: UInt8 = 0
                return Glibc.read(-1, &byte, 1)
            }
        }
    }

    @Test("EFAULT is a programming error too, also when injected")
    func badBufferStops() async {
        await #expect(processExitsWith: .failure) {
            let faults = FaultInjection()
            faults.fail("write", errorNumber: EFAULT)
            FaultInjection.$current.withValue(faults) {
                _ = try? SystemCall.run("write") { 1 }
            }
        }
    }
}

@Suite("Pseudo-terminal")
struct PseudoTerminalTests {
    @Test("bytes written on the slave arrive on the master unchanged; close hangs the slave up")
    func passesBytesAndHangsUp() throws {
        let pty = try PseudoTerminal()
        #expect(pty.slavePath.hasPrefix("/dev/pts/"))
        let slave = open(pty.slavePath, O_RDWR | O_NOCTTY)
        try #require(slave >= 0)
        defer { close(slave) }
        let sent: [UInt8] = [0x00, 0x0D, 0x0A, 0x03, 0x7F, 0xFF]
        var settings = termios()
        tcgetattr(slave, &settings)
        cfmakeraw(&settings)
        tcsetattr(slave, TCSANOW, &settings)
        #expect(sent.withUnsafeBytes { write(slave, $0.baseAddress, $0.count) } == sent.count)
        #expect(try pty.readFromMaster(count: sent.count, timeout: .seconds(2)) == sent)
        pty.close()
        #expect(!pty.isMasterOpen)
        var descriptor = pollfd(fd: slave, events: Int16(POLLIN), revents: 0)
        #expect(poll(&descriptor, 1, 1000) == 1)
        #expect(descriptor.revents & Int16(POLLHUP) != 0)
    }

    @Test("holding the slave open: the master sees silence, not EIO, while no host is connected")
    func heldSlaveKeepsMasterQuiet() throws {
        let pty = try PseudoTerminal(holdingSlaveOpen: true, nonBlockingMaster: true)
        defer { pty.close() }
        #expect(try pty.readFromMaster(count: 1, timeout: .milliseconds(50)) == [])
        var descriptor = pollfd(fd: pty.masterDescriptor, events: Int16(POLLIN), revents: 0)
        #expect(poll(&descriptor, 1, 0) == 0)
    }

    @Test("a failing setup call is reported by name and leaks nothing")
    func setupFailureIsNamed() {
        let faults = FaultInjection()
        faults.fail("ioctl(TIOCGPTN)", errorNumber: ENOTTY)
        let error = FaultInjection.$current.withValue(faults) {
            #expect(throws: PseudoTerminalError.self) { try PseudoTerminal() }
        }
        #expect(error?.step == "ioctl(TIOCGPTN)")
        #expect(faults.recordedCalls.contains("close"))
    }
}
