import Glibc

/// A system call that failed for a reason the caller should report or handle: the call's C name and `errno`.
package struct SystemCallError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The call, by its C name (`open`, `rename`, `poll`, ...).
    package var operation: String
    package var errorNumber: Int32

    package init(operation: String, errorNumber: Int32) {
        self.operation = operation
        self.errorNumber = errorNumber
    }

    /// The system's text for `errorNumber`, e.g. "No space left on device".
    package var message: String { String(cString: strerror(errorNumber)) }

    package var description: String { "\(operation): \(message)" }
}

/// Every POSIX call this package makes on a file descriptor goes through here (as swift-nio's `syscall` and
/// swift-system's `valueOrErrno`): `EINTR` is retried, a failure becomes a `SystemCallError`, and tests can make
/// any call fail on purpose through `FaultInjection`.
///
/// `EBADF` and `EFAULT` mean this program passed a closed descriptor or a bad buffer: a bug here, never something
/// a user can act on, so they stop the program with the call's name instead of becoming an "I/O error" message.
package enum SystemCall {
    /// Runs a call that returns -1 and sets `errno` on failure, and returns its result otherwise.
    @discardableResult
    package static func run<Result: FixedWidthInteger & SignedInteger>(
        _ operation: String,
        _ body: () -> Result
    ) throws(SystemCallError) -> Result {
        while true {
            let result = invoke(operation, body)
            if result != -1 { return result }
            let errorNumber = errno
            if errorNumber == EINTR { continue }
            throw SystemCallError(operation: operation, errorNumber: errorNumber)
        }
    }

    /// Like `run`, for non-blocking reads and writes: returns nil instead of throwing when the call would block.
    package static func runUnlessWouldBlock<Result: FixedWidthInteger & SignedInteger>(
        _ operation: String,
        _ body: () -> Result
    ) throws(SystemCallError) -> Result? {
        while true {
            let result = invoke(operation, body)
            if result != -1 { return result }
            let errorNumber = errno
            if errorNumber == EINTR { continue }
            if errorNumber == EAGAIN || errorNumber == EWOULDBLOCK { return nil }
            throw SystemCallError(operation: operation, errorNumber: errorNumber)
        }
    }

    /// Closes `descriptor`. Not retried on `EINTR`: Linux has released the descriptor by then, and a retry could
    /// close one another thread just opened. Errors other than EBADF (e.g. EIO from a delayed write) are returned.
    @discardableResult
    package static func close(_ descriptor: Int32) -> SystemCallError? {
        let result = invoke("close") { Glibc.close(descriptor) }
        guard result == -1 else { return nil }
        let errorNumber = errno
        return errorNumber == EINTR ? nil : SystemCallError(operation: "close", errorNumber: errorNumber)
    }

    /// Writes all of `bytes` to a blocking descriptor, continuing after partial writes.
    package static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) throws(SystemCallError) {
        var offset = 0
        while offset < bytes.count {
            let written = try run("write") {
                bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            }
            offset += written
        }
    }

    /// Calls `body`, unless a fault is injected for `operation`: then sets `errno` and returns -1 without calling.
    /// Stops the program when the call reports a programming error (see the type's documentation).
    private static func invoke<Result: FixedWidthInteger & SignedInteger>(
        _ operation: String,
        _ body: () -> Result
    ) -> Result {
        let result: Result
        if let injection = FaultInjection.current, let fault = injection.take(operation) {
            errno = fault.errorNumber
            result = -1
        } else {
            result = body()
        }
        if result == -1 {
            let errorNumber = errno
            precondition(
                errorNumber != EBADF && errorNumber != EFAULT,
                "\(operation) failed with \(String(cString: strerror(errorNumber))): a descriptor or buffer bug")
            errno = errorNumber
        }
        return result
    }
}

extension SystemCall {
    /// Opens /dev/null on any of descriptors 0, 1 and 2 that the parent left closed. Otherwise the next file
    /// opened would get that number, and output meant for stdout would land in it; and a write to a closed stdout
    /// would be EBADF, which ``SystemCall`` treats as a bug. Call once, first thing. (The check itself expects
    /// EBADF, so it does not go through the wrapper.)
    package static func ensureStandardDescriptorsOpen() {
        for descriptor in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] where fcntl(descriptor, F_GETFD) == -1 {
            let null = open("/dev/null", descriptor == STDIN_FILENO ? O_RDONLY : O_WRONLY)
            if null >= 0 && null != descriptor {
                _ = dup2(null, descriptor)
                _ = Glibc.close(null)
            }
        }
    }
}
