import Foundation
import Glibc
import SMPSystem

/// The board's side of a pseudo-terminal for the transport benchmarks: an echo or sink thread on the master of an
/// SMPSystem `PseudoTerminal`. No wire protocol: the figures are the transport alone.
final class PseudoTerminalPeer: @unchecked Sendable {
    enum Behaviour {
        /// Writes back every byte it reads.
        case echo
        /// Reads and discards.
        case sink
        /// Does nothing: the benchmark only hangs up.
        case idle
    }

    let terminal: PseudoTerminal
    var slavePath: String { terminal.slavePath }

    init(_ behaviour: Behaviour) throws {
        terminal = try PseudoTerminal()
        if behaviour != .idle {
            let thread = Thread { [self] in serve(echo: behaviour == .echo) }
            thread.start()
        }
    }

    /// Hangs up; the peer thread sees the master closed and ends.
    func closeMaster() {
        terminal.close()
    }

    private func serve(echo: Bool) {
        let masterDescriptor = terminal.masterDescriptor
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            var descriptor = pollfd(fd: masterDescriptor, events: Int16(POLLIN), revents: 0)
            // A timeout, so that the thread notices a closed master even if poll was entered just before the close.
            let ready = poll(&descriptor, 1, 100)
            if ready < 0 && errno != EINTR { return }
            if !terminal.isMasterOpen { return }
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
