/// How to open and set up a port. The frame format is always 8 data bits, no parity, 1 stop bit (8N1): the SMP
/// protocol has its own CRC, and no board we support uses anything else.
public struct SerialConfiguration: Sendable, Hashable {
    /// Hardware or software flow control.
    public enum FlowControl: String, Sendable, Hashable, CaseIterable {
        case none
        /// RTS/CTS handshake lines.
        case rtsCts = "rts-cts"
        /// XON/XOFF characters (only for text protocols; SMP frames are binary).
        case xonXoff = "xon-xoff"
    }

    /// Which implementation opens the port.
    public enum Backend: String, Sendable, Hashable, CaseIterable {
        /// termios for pseudo-terminals (libserialport cannot open them), libserialport for everything else.
        case automatic
        /// Always libserialport (on a pseudo-terminal this fails unless the test-only interposer is linked).
        case libserialport
        /// Always plain POSIX termios.
        case termios
    }

    /// Line speed in bits per second. Pseudo-terminals accept any standard rate and ignore it.
    public var baudRate: Int
    public var flowControl: FlowControl
    public var backend: Backend
    /// Take the port for this process alone: an advisory `flock` (honoured by other smpctl processes, also when
    /// running as root) plus the tty's `TIOCEXCL` (refuses other non-root openers).
    public var exclusive: Bool

    public init(
        baudRate: Int = 921_600,
        flowControl: FlowControl = .none,
        backend: Backend = .automatic,
        exclusive: Bool = true
    ) {
        self.baudRate = baudRate
        self.flowControl = flowControl
        self.backend = backend
        self.exclusive = exclusive
    }
}
