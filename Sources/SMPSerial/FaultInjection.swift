import Foundation

/// Makes chosen system and libserialport calls fail on purpose, so that tests can reach every error path without
/// a misbehaving device (the idea of swift-system's syscall mocking).
///
/// Faults are scoped to a task with `FaultInjection.$current.withValue(faults) { ... }`, so tests running in
/// parallel do not see each other's faults. A connection captures the injection current when it opens and binds it
/// on its I/O thread, so faults reach the calls made there too. With no injection bound, every call goes straight
/// to the system.
final class FaultInjection: @unchecked Sendable {
    /// One planned failure.
    struct Fault: Sendable {
        /// The call to fail, by its C name (`sp_open`, `open`, `poll`, ...).
        var operation: String
        /// The `errno` the call reports.
        var errorNumber: Int32
        /// For libserialport calls, the `sp_return` the call returns (`SP_ERR_FAIL` unless told otherwise).
        var libserialportResult: Int32
        /// How many more calls fail; the fault is dropped when this reaches zero.
        var remaining: Int
    }

    @TaskLocal static var current: FaultInjection?

    private let lock = NSLock()
    private var faults: [Fault] = []
    private var calls: [String] = []

    init() {}

    /// The next `times` calls of `operation` fail with `errorNumber` (and, for libserialport calls, return
    /// `libserialportResult`, by default `SP_ERR_FAIL`).
    func fail(_ operation: String, errorNumber: Int32, libserialportResult: Int32 = -2, times: Int = .max) {
        lock.withLock {
            faults.append(
                Fault(
                    operation: operation,
                    errorNumber: errorNumber,
                    libserialportResult: libserialportResult,
                    remaining: times
                )
            )
        }
    }

    /// Every call that went through the wrappers while this injection was bound, in order, by C name.
    var recordedCalls: [String] {
        lock.withLock { calls }
    }

    /// Records the call and returns the fault planned for it, if any.
    func take(_ operation: String) -> Fault? {
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
