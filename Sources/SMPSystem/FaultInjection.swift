import Foundation

/// Makes chosen system and library calls fail on purpose, so that tests can reach every error path without a
/// misbehaving device or a full disk (the idea of swift-system's syscall mocking).
///
/// Faults are scoped to a task with `FaultInjection.$current.withValue(faults) { ... }`, so tests running in
/// parallel do not see each other's faults. Code that does I/O on its own thread captures the injection current
/// when it starts and binds it there, so faults reach those calls too. With no injection bound, every call goes
/// straight to the system. Package access: only this package's tests can plant faults.
package final class FaultInjection: @unchecked Sendable {
    /// One planned failure.
    package struct Fault: Sendable {
        /// The call to fail, by its C name (`sp_open`, `open`, `poll`, ...).
        package var operation: String
        /// The `errno` the call reports.
        package var errorNumber: Int32
        /// What a call that does not fail with -1 returns instead (e.g. libserialport's `SP_ERR_FAIL`); nil for
        /// POSIX calls, which return -1.
        package var returnValue: Int32?
        /// How many more calls fail; the fault is dropped when this reaches zero.
        package var remaining: Int
    }

    @TaskLocal package static var current: FaultInjection?

    private let lock = NSLock()
    private var faults: [Fault] = []
    private var calls: [String] = []

    package init() {}

    /// The next `times` calls of `operation` fail with `errorNumber` (and, for calls that do not signal failure
    /// with -1, return `returnValue`).
    package func fail(_ operation: String, errorNumber: Int32, returnValue: Int32? = nil, times: Int = .max) {
        lock.withLock {
            faults.append(
                Fault(operation: operation, errorNumber: errorNumber, returnValue: returnValue, remaining: times))
        }
    }

    /// Every call that went through the wrappers while this injection was bound, in order, by C name.
    package var recordedCalls: [String] {
        lock.withLock { calls }
    }

    /// Records the call and returns the fault planned for it, if any.
    package func take(_ operation: String) -> Fault? {
        lock.withLock {
            calls.append(operation)
            guard let index = faults.firstIndex(where: { $0.operation == operation }) else { return nil }
            let fault = faults[index]
            faults[index].remaining -= 1
            if faults[index].remaining <= 0 { faults.remove(at: index) }
            return fault
        }
    }
}
