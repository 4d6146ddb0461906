import Glibc
import SMPSystem

/// Opens serial ports: the entry point of SMPSerial.
public enum SerialPort {
    /// Opens `path`, configures it, and starts its I/O thread.
    ///
    /// With `.automatic` backend a pseudo-terminal (what `smpctl sim --pty` offers) is opened with termios and
    /// everything else with libserialport. The path is checked first, so that a missing path, a regular file or a
    /// non-terminal device fails with a message that says so rather than with libserialport's "Device not found".
    ///
    /// - Throws: `SerialError` naming the port and the reason; `isUnavailable` is true for a missing, busy,
    ///   non-serial or forbidden port.
    public static func open(
        _ path: String,
        configuration: SerialConfiguration = SerialConfiguration()
    ) throws(SerialError) -> any SerialConnection {
        try PolledSerialConnection(device: openDevice(path, configuration: configuration))
    }

    /// Checks the path, picks the backend, opens and configures the port: what `open` and ``SerialLine`` share.
    static func openDevice(_ path: String, configuration: SerialConfiguration) throws(SerialError) -> any SerialDevice {
        switch try chooseBackend(for: path, requested: configuration.backend) {
        case .termios:
            try TermiosDevice.open(path: path, configuration: configuration)
        case .libserialport, .automatic:
            try LibSerialPortDevice.open(path: path, configuration: configuration)
        }
    }

    /// The backend `open` would use for `path`, after checking that it is a character device.
    static func chooseBackend(
        for path: String,
        requested: SerialConfiguration.Backend
    ) throws(SerialError) -> SerialConfiguration.Backend {
        var info = stat()
        try SystemCall.run("stat", port: path) { stat(path, &info) }
        let type = info.st_mode & S_IFMT
        guard type == S_IFCHR else {
            throw SerialError(
                kind: .notASerialPort,
                operation: "stat",
                port: path,
                message: "it is \(FileType.description(of: type)), not a character device"
            )
        }
        guard requested == .automatic else { return requested }
        return isPseudoTerminal(info) ? .termios : .libserialport
    }

    /// Unix 98 pseudo-terminal slaves (/dev/pts/N) have major device numbers 136 to 143.
    static func isPseudoTerminal(_ info: stat) -> Bool {
        let device = UInt64(info.st_rdev)
        let major = ((device >> 8) & 0xfff) | ((device >> 32) & ~UInt64(0xfff))
        return (136...143).contains(major)
    }
}
