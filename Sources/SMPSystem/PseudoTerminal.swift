import Foundation
import Glibc

/// A pseudo-terminal pair: the owner plays the device on the master side, and whoever opens `slavePath` sees a
/// serial port. The simulator serves its board this way, and tests play a board for the code under test.
///
/// Opened through /dev/ptmx with the Linux ioctls, because Swift's Glibc module does not declare the XSI
/// functions (posix_openpt, grantpt, unlockpt, ptsname). Every call goes through ``SystemCall``.
public final class PseudoTerminal: @unchecked Sendable {
    // Linux ioctl numbers (asm-generic/ioctls.h): TIOCSPTLCK = _IOW('T', 0x31, int), TIOCGPTN = _IOR('T', 0x30, int).
    private static let unlockRequest: UInt = 0x4004_5431
    private static let numberRequest: UInt = 0x8004_5430

    /// The master's file descriptor; valid until ``close()``.
    public let masterDescriptor: Int32
    /// The slave device, e.g. "/dev/pts/3": what the host opens.
    public let slavePath: String
    private let slaveDescriptor: Int32?
    // A lock because peers poll the master on their own threads while another thread hangs up.
    private let lock = NSLock()
    private var masterOpen = true

    /// Opens a new pair, unlocked, with the master raw (no echo, no line editing, no character translation) so
    /// that bytes pass unchanged in both directions.
    ///
    /// - Parameters:
    ///   - holdingSlaveOpen: keep a descriptor of the slave open here too (also raw). While no process holds the
    ///     slave, reads on the master fail with EIO and poll reports POLLHUP; holding it lets a host connect,
    ///     disconnect and reconnect while the master sees only silence.
    ///   - nonBlockingMaster: make the master's reads and writes return EAGAIN instead of waiting.
    public init(holdingSlaveOpen: Bool = false, nonBlockingMaster: Bool = false) throws(PseudoTerminalError) {
        let master: Int32
        do {
            master = try SystemCall.run("open /dev/ptmx") { open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC) }
        } catch {
            throw PseudoTerminalError(error)
        }
        var slave: Int32?
        do throws(SystemCallError) {
            var unlock: Int32 = 0
            var number: UInt32 = 0
            try SystemCall.run("ioctl(TIOCSPTLCK)") { ioctl(master, Self.unlockRequest, &unlock) }
            try SystemCall.run("ioctl(TIOCGPTN)") { ioctl(master, Self.numberRequest, &number) }
            let path = "/dev/pts/\(number)"
            try Self.makeRaw(master)
            if holdingSlaveOpen {
                let descriptor = try SystemCall.run("open \(path)") { open(path, O_RDWR | O_NOCTTY | O_CLOEXEC) }
                slave = descriptor
                try Self.makeRaw(descriptor)
            }
            if nonBlockingMaster {
                let flags = try SystemCall.run("fcntl(F_GETFL)") { fcntl(master, F_GETFL) }
                try SystemCall.run("fcntl(F_SETFL)") { fcntl(master, F_SETFL, flags | O_NONBLOCK) }
            }
            slavePath = path
        } catch {
            if let slave { SystemCall.close(slave) }
            SystemCall.close(master)
            throw PseudoTerminalError(error)
        }
        masterDescriptor = master
        slaveDescriptor = slave
    }

    deinit {
        close()
    }

    private static func makeRaw(_ descriptor: Int32) throws(SystemCallError) {
        var settings = termios()
        try SystemCall.run("tcgetattr") { tcgetattr(descriptor, &settings) }
        cfmakeraw(&settings)
        try SystemCall.run("tcsetattr") { tcsetattr(descriptor, TCSANOW, &settings) }
    }

    /// Whether ``close()`` has not been called yet.
    public var isMasterOpen: Bool { lock.withLock { masterOpen } }

    /// Hangs up: closes the master (and the held slave), so a host holding the slave sees POLLHUP and its reads
    /// fail with EIO. Safe to call more than once, from any thread.
    public func close() {
        lock.withLock {
            guard masterOpen else { return }
            masterOpen = false
            if let slaveDescriptor { SystemCall.close(slaveDescriptor) }
            SystemCall.close(masterDescriptor)
        }
    }

    /// Discards bytes written to the master that no host has read yet (e.g. written while no host was
    /// connected). Needs the held slave; does nothing without it.
    public func discardUnreadOutput() {
        guard let slaveDescriptor else { return }
        lock.withLock {
            guard masterOpen else { return }
            _ = try? SystemCall.run("tcflush") { tcflush(slaveDescriptor, TCIFLUSH) }
        }
    }

    /// Writes all of `bytes` to the master, as the device sending them; waits in poll while the line is full.
    public func writeToMaster(_ bytes: [UInt8]) throws(PseudoTerminalError) {
        var offset = 0
        while offset < bytes.count {
            let written: Int?
            do {
                written = try SystemCall.runUnlessWouldBlock("write") {
                    bytes[offset...].withUnsafeBytes { Glibc.write(masterDescriptor, $0.baseAddress, $0.count) }
                }
            } catch {
                throw PseudoTerminalError(error)
            }
            if let written {
                offset += written
            } else {
                var descriptor = pollfd(fd: masterDescriptor, events: Int16(POLLOUT), revents: 0)
                _ = try? SystemCall.run("poll") { poll(&descriptor, 1, 100) }
            }
        }
    }

    /// Reads from the master until `count` bytes arrived, `timeout` passed or the line ended; returns what
    /// arrived. Waits in poll, so it does not spin.
    public func readFromMaster(count: Int, timeout: Duration = .seconds(5)) throws(PseudoTerminalError) -> [UInt8] {
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while received.count < count {
            let left = deadline - ContinuousClock.now
            if left <= .zero { break }
            var descriptor = pollfd(fd: masterDescriptor, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(
                left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)
            do {
                if try SystemCall.run("poll", { poll(&descriptor, 1, max(1, milliseconds)) }) == 0 { continue }
                let wanted = min(buffer.count, count - received.count)
                let got = try SystemCall.runUnlessWouldBlock("read") { read(masterDescriptor, &buffer, wanted) }
                guard let got else { continue }
                if got == 0 { break }
                received += buffer[0..<got]
            } catch {
                // EIO: no process holds the slave any more; what arrived is the answer.
                if error.errorNumber == EIO { break }
                throw PseudoTerminalError(error)
            }
        }
        return received
    }
}

/// A system call that failed while setting up or serving a pseudo-terminal.
public struct PseudoTerminalError: Error, CustomStringConvertible, Sendable {
    /// The call that failed, e.g. "open /dev/ptmx" or "poll".
    public let step: String
    public let errno: Int32

    public init(step: String, errno: Int32) {
        self.step = step
        self.errno = errno
    }

    package init(_ error: SystemCallError) {
        self.init(step: error.operation, errno: error.errorNumber)
    }

    public var description: String { "pseudo-terminal: \(step) failed: \(String(cString: strerror(errno)))" }
}
