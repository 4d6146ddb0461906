import Glibc

/// A failure of the serial transport: which operation failed, on which port, and the operating system's or
/// libserialport's own words for why.
///
/// Like swift-system's `Errno`, the kind is an open struct rather than a closed enum, so that new kinds can be
/// added without breaking callers that switch over the ones they know.
public struct SerialError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, in terms a caller can act on.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        /// A short phrase for messages, e.g. "no such device".
        public let description: String

        public init(_ description: String) {
            self.description = description
        }

        /// The path does not exist, or the device behind it is gone.
        public static let notFound = Kind("no such device")
        /// Another process (or another connection in this one) holds the port.
        public static let busy = Kind("port is busy")
        /// The path exists but is not a serial port (a regular file, /dev/null, a directory).
        public static let notASerialPort = Kind("not a serial port")
        /// The user may not open the device.
        public static let permissionDenied = Kind("permission denied")
        /// The device went away while the port was open (cable pulled, peer hung up).
        public static let deviceLost = Kind("device lost")
        /// The port was closed by this process; no more reads or writes.
        public static let closed = Kind("port closed")
        /// Reading, writing or configuring failed.
        public static let inputOutput = Kind("I/O error")
        /// The setting is not supported by the device, the backend or this platform.
        public static let unsupported = Kind("not supported")
        /// `--port auto` found no recognised board.
        public static let noBoardFound = Kind("no SMP board found")
        /// `--port auto` found more than one recognised board.
        public static let severalBoardsFound = Kind("several SMP boards found")
        /// libserialport ran out of memory, or a buffer could not be allocated.
        public static let outOfMemory = Kind("out of memory")
        /// A programming error: an argument libserialport rejected.
        public static let invalidArgument = Kind("invalid argument")
    }

    /// What went wrong.
    public var kind: Kind
    /// The call that failed, e.g. `sp_open`, `open`, `tcsetattr`, `poll`.
    public var operation: String
    /// The port's path as the user gave it, or `auto` for automatic selection.
    public var port: String
    /// The operating system's or libserialport's message, e.g. "Permission denied".
    public var message: String
    /// The `errno` value behind the failure, when there is one.
    public var errorNumber: Int32?

    public init(kind: Kind, operation: String, port: String, message: String, errorNumber: Int32? = nil) {
        self.kind = kind
        self.operation = operation
        self.port = port
        self.message = message
        self.errorNumber = errorNumber
    }

    /// Builds the error for a failed system call from its `errno`.
    public init(errorNumber: Int32, operation: String, port: String) {
        self.init(
            kind: Kind(errorNumber: errorNumber),
            operation: operation,
            port: port,
            message: SerialError.systemMessage(errorNumber),
            errorNumber: errorNumber
        )
    }

    /// True when the port cannot be used at all (missing, busy, not a serial port, no permission, no board), as
    /// opposed to failing while in use. The CLI maps the first to exit 69 (unavailable) and the second to 74 (I/O).
    public var isUnavailable: Bool {
        switch kind {
        case .notFound, .busy, .notASerialPort, .permissionDenied, .noBoardFound, .severalBoardsFound, .unsupported:
            return true
        default:
            return false
        }
    }

    /// One line: the port, the reason, the failing call and its message, and for permission errors the usual fix.
    public var description: String {
        var text = "\(port): \(kind) (\(operation): \(message))"
        if kind == .permissionDenied {
            text +=
                "; add your user to the dialout group (sudo usermod -aG dialout $USER) and log in again"
        }
        return text
    }

    /// `strerror` for `errorNumber`, copied so that the caller owns it.
    static func systemMessage(_ errorNumber: Int32) -> String {
        guard let text = strerror(errorNumber) else { return "error \(errorNumber)" }
        return String(cString: text)
    }
}

extension SerialError {
    /// Read and write failures that mean the device is gone (EIO after a PTY's master closes or a USB device is
    /// unplugged, ENXIO/ENODEV, EPIPE, or any failure while poll reports a hang-up in `revents`) become
    /// `.deviceLost`; others are returned as they are.
    func classifyingHangUp(revents: Int16) -> SerialError {
        let hungUp = revents & (Int16(POLLHUP) | Int16(POLLERR)) != 0
        let goneErrors: Set<Int32> = [EIO, ENXIO, ENODEV, EPIPE]
        guard hungUp || errorNumber.map(goneErrors.contains) == true else { return self }
        var lostError = self
        lostError.kind = .deviceLost
        return lostError
    }
}

extension SerialError {
    /// The end of the line that poll's `revents` for `port` report, if any: an invalid descriptor (POLLNVAL); or,
    /// once the bytes already readable are taken (`afterReading`), a hang-up (POLLHUP) or an error condition
    /// (POLLERR). Every poll loop over a port asks this, so each ending is named the same way.
    static func lineEnding(revents: Int16, port: String, afterReading: Bool) -> SerialError? {
        func lost(_ message: String) -> SerialError {
            SerialError(kind: .deviceLost, operation: "poll", port: port, message: message)
        }
        if !afterReading {
            return revents & Int16(POLLNVAL) != 0 ? lost("the port's descriptor is no longer valid") : nil
        }
        if revents & Int16(POLLHUP) != 0 { return lost("the device hung up (POLLHUP)") }
        if revents & Int16(POLLERR) != 0 { return lost("the device reported an error condition (POLLERR)") }
        return nil
    }
}

extension SerialError.Kind {
    /// Classifies an `errno` value from opening, configuring or using a port.
    public init(errorNumber: Int32) {
        switch errorNumber {
        case ENOENT, ENODEV, ENXIO:
            self = .notFound
        case EACCES, EPERM:
            self = .permissionDenied
        case EBUSY, EWOULDBLOCK:
            self = .busy
        case ENOTTY:
            self = .notASerialPort
        case ENOMEM:
            self = .outOfMemory
        case EINVAL:
            self = .invalidArgument
        case EOPNOTSUPP:
            self = .unsupported
        default:
            self = .inputOutput
        }
    }
}
