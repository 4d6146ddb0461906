import SMPSystem

/// SMPSerial's calls through the one system-call wrapper: a failure becomes a `SerialError` naming the call and
/// the port.
extension SystemCall {
    /// Runs a call that returns -1 and sets `errno` on failure, and returns its result otherwise.
    @discardableResult
    static func run<Result: FixedWidthInteger & SignedInteger>(
        _ operation: String,
        port: String,
        _ body: () -> Result
    ) throws(SerialError) -> Result {
        do {
            return try run(operation, body)
        } catch {
            throw SerialError(errorNumber: error.errorNumber, operation: operation, port: port)
        }
    }

    /// Like `run`, for non-blocking reads and writes: returns nil instead of throwing when the call would block.
    static func runUnlessWouldBlock<Result: FixedWidthInteger & SignedInteger>(
        _ operation: String,
        port: String,
        _ body: () -> Result
    ) throws(SerialError) -> Result? {
        do {
            return try runUnlessWouldBlock(operation, body)
        } catch {
            throw SerialError(errorNumber: error.errorNumber, operation: operation, port: port)
        }
    }
}
