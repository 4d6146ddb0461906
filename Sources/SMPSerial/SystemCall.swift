import Glibc

/// Every POSIX call SMPSerial makes goes through here: `EINTR` is retried, a failure becomes a `SerialError` that
/// names the call and the port, and tests can make any call fail on purpose through `FaultInjection`.
enum SystemCall {
    /// Runs a call that returns -1 and sets `errno` on failure, and returns its result otherwise.
    @discardableResult
    static func run<Result: FixedWidthInteger & SignedInteger>(
        _ operation: String,
        port: String,
        _ body: () -> Result
    ) throws(SerialError) -> Result {
        while true {
            let result = invoke(operation, body)
            if result != -1 { return result }
            let errorNumber = errno
            if errorNumber == EINTR { continue }
            throw SerialError(errorNumber: errorNumber, operation: operation, port: port)
        }
    }

    /// Like `run`, for non-blocking reads and writes: returns nil instead of throwing when the call would block.
    static func runUnlessWouldBlock<Result: FixedWidthInteger & SignedInteger>(
        _ operation: String,
        port: String,
        _ body: () -> Result
    ) throws(SerialError) -> Result? {
        while true {
            let result = invoke(operation, body)
            if result != -1 { return result }
            let errorNumber = errno
            if errorNumber == EINTR { continue }
            if errorNumber == EAGAIN || errorNumber == EWOULDBLOCK { return nil }
            throw SerialError(errorNumber: errorNumber, operation: operation, port: port)
        }
    }

    /// Calls `body`, unless a fault is injected for `operation`: then sets `errno` and returns -1 without calling.
    private static func invoke<Result: FixedWidthInteger & SignedInteger>(
        _ operation: String,
        _ body: () -> Result
    ) -> Result {
        if let injection = FaultInjection.current, let fault = injection.take(operation) {
            errno = fault.errorNumber
            return -1
        }
        return body()
    }
}
