import Glibc
import SMPSystem

/// A port driven with plain POSIX calls: used for pseudo-terminals, which libserialport cannot open (it looks for
/// /sys/class/tty/<name>, which PTYs lack, and its open fails on the modem-status ioctl, TIOCMGET -> ENOTTY).
final class TermiosDevice: SerialDevice {
    let path: String
    let fileDescriptor: Int32
    var backendName: String { "termios" }

    private init(path: String, fileDescriptor: Int32) {
        self.path = path
        self.fileDescriptor = fileDescriptor
    }

    /// Opens `path` non-blocking, takes it exclusively if asked, and sets raw 8N1 at the configured speed.
    static func open(path: String, configuration: SerialConfiguration) throws(SerialError) -> TermiosDevice {
        let fd = try SystemCall.run("open", port: path) {
            Glibc.open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        }
        do throws(SerialError) {
            var settings = termios()
            do {
                try SystemCall.run("tcgetattr", port: path) { tcgetattr(fd, &settings) }
            } catch {
                if error.errorNumber == ENOTTY {
                    var notATerminal = error
                    notATerminal.message = "the device is not a terminal"
                    throw notATerminal
                }
                throw error
            }
            if configuration.exclusive { try PortLock.acquire(fileDescriptor: fd, path: path) }
            try apply(configuration, to: &settings, path: path)
            try SystemCall.run("tcsetattr", port: path) { tcsetattr(fd, TCSANOW, &settings) }
            return TermiosDevice(path: path, fileDescriptor: fd)
        } catch {
            SystemCall.close(fd)
            throw error
        }
    }

    /// Raw mode (no echo, no line editing, no CR/LF translation), 8N1, receiver on, modem lines ignored unless
    /// RTS/CTS is asked for.
    static func apply(
        _ configuration: SerialConfiguration,
        to settings: inout termios,
        path: String
    ) throws(SerialError) {
        cfmakeraw(&settings)
        settings.c_cflag &= ~(tcflag_t(CSIZE) | tcflag_t(PARENB) | tcflag_t(CSTOPB) | tcflag_t(CRTSCTS))
        settings.c_cflag |= tcflag_t(CS8) | tcflag_t(CREAD) | tcflag_t(CLOCAL)
        settings.c_iflag &= ~(tcflag_t(IXON) | tcflag_t(IXOFF) | tcflag_t(IXANY))
        switch configuration.flowControl {
        case .none: break
        case .rtsCts: settings.c_cflag |= tcflag_t(CRTSCTS)
        case .xonXoff: settings.c_iflag |= tcflag_t(IXON) | tcflag_t(IXOFF)
        }
        // Non-blocking reads return what is there; the I/O thread waits in poll, not in read.
        withUnsafeMutableBytes(of: &settings.c_cc) { controlCharacters in
            controlCharacters[Int(VMIN)] = 0
            controlCharacters[Int(VTIME)] = 0
        }
        guard let speed = speed(for: configuration.baudRate) else {
            throw SerialError(
                kind: .unsupported,
                operation: "cfsetspeed",
                port: path,
                message: "\(configuration.baudRate) baud is not a standard termios rate"
            )
        }
        try SystemCall.run("cfsetispeed", port: path) { cfsetispeed(&settings, speed) }
        try SystemCall.run("cfsetospeed", port: path) { cfsetospeed(&settings, speed) }
    }

    /// The termios constant for a standard rate.
    static func speed(for baudRate: Int) -> speed_t? {
        let rates: [Int: Int32] = [
            1200: B1200, 2400: B2400, 4800: B4800, 9600: B9600, 19200: B19200, 38400: B38400, 57600: B57600,
            115_200: B115200, 230_400: B230400, 460_800: B460800, 500_000: B500000, 576_000: B576000,
            921_600: B921600, 1_000_000: B1000000, 1_152_000: B1152000, 1_500_000: B1500000,
            2_000_000: B2000000, 3_000_000: B3000000, 4_000_000: B4000000,
        ]
        return rates[baudRate].map { speed_t($0) }
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SerialError) -> Int? {
        try SystemCall.runUnlessWouldBlock("read", port: path) {
            Glibc.read(fileDescriptor, buffer.baseAddress, buffer.count)
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(SerialError) -> Int? {
        try SystemCall.runUnlessWouldBlock("write", port: path) {
            Glibc.write(fileDescriptor, bytes.baseAddress, bytes.count)
        }
    }

    func close() {
        SystemCall.close(fileDescriptor)
    }
}
