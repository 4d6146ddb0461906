import Foundation
import Glibc

/// The board's side of a pseudo-terminal for the benchmarks: opens /dev/ptmx directly (Swift's Glibc module does
/// not declare posix_openpt/grantpt/unlockpt/ptsname) and runs an echo or sink thread on the master.
final class PseudoTerminalPeer: @unchecked Sendable {
    enum Behaviour {
        /// Writes back every byte it reads.
        case echo
        /// Reads and discards.
        case sink
        /// Does nothing: the benchmark only hangs up.
        case idle
    }

    // Linux ioctl numbers for the PTY master (asm-generic/ioctls.h): _IOW('T', 0x31, int) and _IOR('T', 0x30, int).
    private static let unlockRequest: UInt = 0x4004_5431
    private static let numberRequest: UInt = 0x8004_5430

    let masterDescriptor: Int32
    let slavePath: String
    private let stopLock = NSLock()
    private var masterOpen = true

    init(_ behaviour: Behaviour) {
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        precondition(master >= 0, "cannot open /dev/ptmx: \(String(cString: strerror(errno)))")
        var unlock: Int32 = 0
        var number: UInt32 = 0
        precondition(ioctl(master, Self.unlockRequest, &unlock) == 0, "TIOCSPTLCK failed")
        precondition(ioctl(master, Self.numberRequest, &number) == 0, "TIOCGPTN failed")
        var settings = termios()
        tcgetattr(master, &settings)
        cfmakeraw(&settings)
        tcsetattr(master, TCSANOW, &settings)
        masterDescriptor = master
        slavePath = "/dev/pts/\(number)"
        if behaviour != .idle {
            let thread = Thread { [self] in serve(echo: behaviour == .echo) }
            thread.start()
        }
    }

    /// Hangs up; the peer thread sees its descriptor become invalid and ends.
    func closeMaster() {
        stopLock.withLock {
            if masterOpen {
                masterOpen = false
                close(masterDescriptor)
            }
        }
    }

    private func serve(echo: Bool) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            var descriptor = pollfd(fd: masterDescriptor, events: Int16(POLLIN), revents: 0)
            // A timeout, so that the thread notices a closed master even if poll was entered just before the close.
            let ready = poll(&descriptor, 1, 100)
            if ready < 0 && errno != EINTR { return }
            if !stopLock.withLock({ masterOpen }) { return }
            if ready <= 0 { continue }
            if descriptor.revents & Int16(POLLNVAL | POLLERR) != 0 { return }
            let count = read(masterDescriptor, &buffer, buffer.count)
            if count < 0 && (errno == EAGAIN || errno == EINTR) { continue }
            // Slave closed (EIO) or master closed: the benchmark's connection is gone; wait for the next one.
            if count <= 0 { return }
            guard echo else { continue }
            var offset = 0
            while offset < count {
                let written = buffer[offset..<count].withUnsafeBytes {
                    write(masterDescriptor, $0.baseAddress, $0.count)
                }
                if written < 0 {
                    if errno == EAGAIN || errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
