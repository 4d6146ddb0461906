import Glibc
import SMPControl
import SMPSerial
import SMPSystem

/// The wall-time ``ControllerTransport``: a serial port (a real board's USB port, or the simulator's pseudo-terminal)
/// and the host's monotonic clock, for ``ControllerDriver`` to run the real ``SessionController`` against a board.
///
/// Everything happens on the driver's thread: ``waitForBytes(until:)`` sleeps in `poll` on the port until bytes
/// arrive or the deadline comes (no busy-wait, no I/O thread), ``write(_:)`` returns once the kernel has taken
/// every byte (partial writes continued, a full buffer waited out in poll). The transport closes for good at the
/// first hang-up, vanished device, failing read, failing write or write the port takes nothing of for a second
/// (flow control holding the line); ``lastError`` keeps that error, naming the call, and the port is released at
/// once so that it can be opened again. A closed transport returns no bytes and drops writes; the driver then has
/// the controller declare the board lost.
///
/// Not `Sendable`: create it, run the driver and close it on one thread.
public final class SerialControllerTransport: ControllerTransport {
    /// The port's path, as given.
    public let path: String
    /// Which implementation serves the port: `libserialport` or `termios`.
    public let backendName: String
    /// Bytes written to the port so far (whole writes that went out).
    public private(set) var bytesWritten = 0
    /// Bytes read from the port so far.
    public private(set) var bytesRead = 0
    /// Why the transport closed, naming the failing call (`poll`, `read`, `write`, ...), or `.closed` after
    /// ``close()``; nil while it is open.
    public private(set) var lastError: SerialError?
    /// Host time (µs, ``now``'s clock) at which the transport saw the line end.
    public private(set) var closedAt: UInt64?
    private var line: SerialLine
    private let configuration: SerialConfiguration

    /// Opens `path` with SMPSerial's checks and settings (backend chosen by path, exclusive lock, 8N1 at the
    /// configured speed).
    ///
    /// - Throws: `SerialError` naming the port and the reason; `isUnavailable` is true for a missing, busy,
    ///   non-serial or forbidden port.
    public init(path: String, configuration: SerialConfiguration = SerialConfiguration()) throws(SerialError) {
        line = try SerialLine(path: path, configuration: configuration)
        self.configuration = configuration
        self.path = path
        backendName = line.backendName
    }

    /// The host's monotonic clock (`CLOCK_MONOTONIC`) in µs: continuous across transports, so that a controller
    /// can outlive the port it started on.
    public var now: UInt64 { SystemCall.monotonicMicroseconds() }

    /// True once the line ended or ``close()`` was called.
    public var isClosed: Bool { lastError != nil }

    /// ``lastError`` in one line, once closed.
    public var closeReason: String? { lastError?.description }

    /// Writes all of `bytes`; a failure closes the transport with the error in ``lastError``. Dropped when closed.
    public func write(_ bytes: [UInt8]) {
        guard !isClosed else { return }
        line.write(bytes)
        if let failure = line.failure {
            closed(by: failure)
        } else {
            bytesWritten += bytes.count
        }
    }

    /// Sleeps in poll until bytes arrive, the line ends, or host time `deadline` (µs) comes; returns what arrived,
    /// empty at the deadline. When closed, sleeps until the deadline and returns empty: a run waiting to open the
    /// port again waits without spinning.
    public func waitForBytes(until deadline: UInt64) -> [UInt8] {
        guard !isClosed else {
            let start = now
            if deadline > start {
                var remaining = timespec(
                    tv_sec: Int(deadline - start) / 1_000_000, tv_nsec: Int((deadline - start) % 1_000_000) * 1000)
                var left = timespec()
                while nanosleep(&remaining, &left) != 0 && errno == EINTR { remaining = left }
            }
            return []
        }
        let start = now
        let bytes = line.read(timeoutMicroseconds: deadline > start ? deadline - start : 0)
        bytesRead += bytes.count
        if let failure = line.failure { closed(by: failure) }
        return bytes
    }

    /// Opens the port again after it closed (the cable back in, the board powered again): true once it is open,
    /// false while the port cannot be opened (the error is not kept: the first failure stays in ``lastError``).
    /// The counters carry on.
    public func reopen() -> Bool {
        guard isClosed else { return true }
        guard let reopened = try? SerialLine(path: path, configuration: configuration) else { return false }
        line.close()
        line = reopened
        lastError = nil
        closedAt = nil
        return true
    }

    /// Releases the port. Safe to call more than once; a transport that already failed keeps its error.
    public func close() {
        line.close()
        closed(
            by: SerialError(kind: .closed, operation: "close", port: path, message: "the transport was closed"))
    }

    private func closed(by error: SerialError) {
        guard lastError == nil else { return }
        lastError = error
        closedAt = now
    }
}
