import Foundation
import Glibc

/// A pseudo-terminal whose master side a test or benchmark plays (as the board), while the code under test opens
/// `slavePath` as its serial port.
///
/// Opened through /dev/ptmx with the Linux ioctls, because Swift's Glibc module does not declare the XSI
/// functions (posix_openpt, grantpt, unlockpt, ptsname). The master is raw too, so that bytes pass through the
/// line discipline unchanged in both directions.
public final class PseudoTerminal: @unchecked Sendable {
    // Linux ioctl numbers (asm-generic/ioctls.h): TIOCSPTLCK = _IOW('T', 0x31, int), TIOCGPTN = _IOR('T', 0x30, int).
    private static let unlockRequest: UInt = 0x4004_5431
    private static let numberRequest: UInt = 0x8004_5430

    /// The master's file descriptor; valid until ``closeMaster()``.
    public let masterDescriptor: Int32
    /// The slave device, e.g. "/dev/pts/3": what the code under test opens.
    public let slavePath: String
    // A lock because peers poll the master on their own threads while another thread hangs up.
    private let lock = NSLock()
    private var masterOpen = true

    /// Why opening, reading or writing the pseudo-terminal failed.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Opens a new pseudo-terminal, unlocked and raw on the master's side.
    public init() throws {
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard master >= 0 else { throw Failure(description: "opening /dev/ptmx: \(Self.systemMessage(errno))") }
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard ioctl(master, Self.unlockRequest, &unlock) == 0, ioctl(master, Self.numberRequest, &number) == 0 else {
            let message = Self.systemMessage(errno)
            close(master)
            throw Failure(description: "unlocking the PTY: \(message)")
        }
        var settings = termios()
        if tcgetattr(master, &settings) == 0 {
            cfmakeraw(&settings)
            tcsetattr(master, TCSANOW, &settings)
        }
        masterDescriptor = master
        slavePath = "/dev/pts/\(number)"
    }

    deinit {
        closeMaster()
    }

    /// Whether ``closeMaster()`` has not been called yet.
    public var isMasterOpen: Bool { lock.withLock { masterOpen } }

    /// Hangs up: the slave side sees POLLHUP and its reads fail with EIO. Safe to call more than once.
    public func closeMaster() {
        lock.withLock {
            if masterOpen {
                masterOpen = false
                close(masterDescriptor)
            }
        }
    }

    /// Writes all of `bytes` to the master, as the board sending them.
    public func writeToMaster(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { write(masterDescriptor, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw Failure(description: "write to master: \(Self.systemMessage(errno))")
            }
            offset += written
        }
    }

    /// Reads from the master until `count` bytes arrived or `timeout` passed; returns what arrived. Waits in poll,
    /// so it does not spin.
    public func readFromMaster(count: Int, timeout: Duration = .seconds(5)) throws -> [UInt8] {
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while received.count < count {
            let left = deadline - ContinuousClock.now
            if left <= .zero { break }
            var descriptor = pollfd(fd: masterDescriptor, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(
                left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)
            if poll(&descriptor, 1, max(1, milliseconds)) <= 0 { continue }
            let wanted = min(buffer.count, count - received.count)
            let got = read(masterDescriptor, &buffer, wanted)
            if got <= 0 { break }
            received += buffer[0..<got]
        }
        return received
    }

    static func systemMessage(_ errorNumber: Int32) -> String {
        "\(String(cString: strerror(errorNumber))) (errno \(errorNumber))"
    }
}

/// Reads from a connection's byte stream until `count` bytes have arrived or the stream ends.
///
/// Takes the iterator, not the stream: dropping an iterator ends an AsyncThrowingStream, so a test makes one and
/// keeps it.
public func collect(
    _ iterator: inout AsyncThrowingStream<[UInt8], any Error>.Iterator,
    count: Int
) async throws -> [UInt8] {
    var received: [UInt8] = []
    while received.count < count, let chunk = try await iterator.next() {
        received += chunk
    }
    return received
}

/// Microseconds from `start` to now: the clock the wire sessions run on in these tools.
func microseconds(since start: ContinuousClock.Instant) -> UInt64 {
    let elapsed = ContinuousClock.now - start
    return UInt64(elapsed.components.seconds) * 1_000_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000_000)
}
