import Glibc
import SMPSystem
import Testing

@testable import SMPSerial

@Suite("System calls as SMPSerial reports them (SerialError naming the call and the port)")
struct SystemCallTests {
    @Test("-1 with errno becomes a SerialError naming the call and the port")
    func failureBecomesError() throws {
        let error = #expect(throws: SerialError.self) {
            try SystemCall.run("open", port: "/nonexistent/tty") { open("/nonexistent/tty", O_RDONLY) }
        }
        #expect(error?.operation == "open")
        #expect(error?.port == "/nonexistent/tty")
        #expect(error?.errorNumber == ENOENT)
        #expect(error?.kind == .notFound)
    }

    @Test("EINTR is retried, not reported")
    func interruptedCallIsRetried() throws {
        let faults = FaultInjection()
        faults.fail("tcsetattr", errorNumber: EINTR, times: 2)
        let result = try FaultInjection.$current.withValue(faults) {
            try SystemCall.run("tcsetattr", port: "p") { Int32(0) }
        }
        #expect(result == 0)
        #expect(faults.recordedCalls == ["tcsetattr", "tcsetattr", "tcsetattr"])
    }

    @Test("would-block is nil for non-blocking reads and writes")
    func wouldBlockIsNil() throws {
        let faults = FaultInjection()
        faults.fail("read", errorNumber: EAGAIN, times: 1)
        let result = try FaultInjection.$current.withValue(faults) {
            try SystemCall.runUnlessWouldBlock("read", port: "p") { 5 }
        }
        #expect(result == nil)
    }
}
