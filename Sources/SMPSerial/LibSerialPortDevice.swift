import CLibSerialPort
import Glibc

/// A port driven through libserialport: real USB CDC-ACM and USB-serial ports.
///
/// libserialport's blocking reads are not used: `sp_blocking_read` waits out its whole timeout even when some bytes
/// have arrived, and after the peer hangs up it spins the CPU until the timeout. Instead the I/O thread polls the
/// port's handle (which also reports POLLHUP/POLLERR at once) and reads with `sp_nonblocking_read`, which returns
/// what is there, like `sp_blocking_read_next`.
final class LibSerialPortDevice: SerialDevice, @unchecked Sendable {
    let path: String
    let fileDescriptor: Int32
    var backendName: String { "libserialport" }
    /// The libserialport port structure; only the I/O thread touches it after `open` returns.
    private let port: OpaquePointer

    private init(path: String, port: OpaquePointer, fileDescriptor: Int32) {
        self.path = path
        self.port = port
        self.fileDescriptor = fileDescriptor
    }

    /// Looks the port up, opens it read-write, takes it exclusively if asked and sets 8N1, speed and flow control.
    static func open(path: String, configuration: SerialConfiguration) throws(SerialError) -> LibSerialPortDevice {
        var lookedUp: OpaquePointer?
        do {
            try LibSerialPortCall.run("sp_get_port_by_name", port: path) { sp_get_port_by_name(path, &lookedUp) }
        } catch {
            throw explainLookupFailure(error, path: path)
        }
        guard let port = lookedUp else {
            throw SerialError(
                kind: .inputOutput,
                operation: "sp_get_port_by_name",
                port: path,
                message: "libserialport returned no port"
            )
        }
        do {
            try LibSerialPortCall.run("sp_open", port: path) { sp_open(port, SP_MODE_READ_WRITE) }
        } catch {
            sp_free_port(port)
            throw error
        }
        do {
            var handle: Int32 = -1
            try LibSerialPortCall.run("sp_get_port_handle", port: path) { sp_get_port_handle(port, &handle) }
            if configuration.exclusive { try PortLock.acquire(fileDescriptor: handle, path: path) }
            try configure(port, configuration, path: path)
            return LibSerialPortDevice(path: path, port: port, fileDescriptor: handle)
        } catch {
            _ = sp_close(port)
            sp_free_port(port)
            throw error
        }
    }

    private static func configure(
        _ port: OpaquePointer,
        _ configuration: SerialConfiguration,
        path: String
    ) throws(SerialError) {
        guard let baud = Int32(exactly: configuration.baudRate) else {
            throw SerialError(
                kind: .unsupported,
                operation: "sp_set_baudrate",
                port: path,
                message: "\(configuration.baudRate) baud is out of range"
            )
        }
        try LibSerialPortCall.run("sp_set_baudrate", port: path) { sp_set_baudrate(port, baud) }
        try LibSerialPortCall.run("sp_set_bits", port: path) { sp_set_bits(port, 8) }
        try LibSerialPortCall.run("sp_set_parity", port: path) { sp_set_parity(port, SP_PARITY_NONE) }
        try LibSerialPortCall.run("sp_set_stopbits", port: path) { sp_set_stopbits(port, 1) }
        let flow: sp_flowcontrol
        switch configuration.flowControl {
        case .none: flow = SP_FLOWCONTROL_NONE
        case .rtsCts: flow = SP_FLOWCONTROL_RTSCTS
        case .xonXoff: flow = SP_FLOWCONTROL_XONXOFF
        }
        try LibSerialPortCall.run("sp_set_flowcontrol", port: path) { sp_set_flowcontrol(port, flow) }
    }

    /// libserialport answers SP_ERR_ARG ("Device not found.") without saying why; name the likely cause.
    private static func explainLookupFailure(_ error: SerialError, path: String) -> SerialError {
        guard error.kind == .invalidArgument else { return error }
        var explained = error
        explained.kind = .notASerialPort
        explained.message =
            "libserialport does not know it as a serial port (no /sys/class/tty entry for it; "
            + "pseudo-terminals have none and need the termios backend)"
        return explained
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SerialError) -> Int? {
        // sp_nonblocking_read returns 0 both for "nothing yet" and at end of file; the I/O thread only reads after
        // poll reported the port readable, and treats 0 then as end of file.
        let count = try LibSerialPortCall.run("sp_nonblocking_read", port: path) {
            sp_nonblocking_read(port, buffer.baseAddress, buffer.count)
        }
        return Int(count)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(SerialError) -> Int? {
        let count = try LibSerialPortCall.run("sp_nonblocking_write", port: path) {
            sp_nonblocking_write(port, bytes.baseAddress, bytes.count)
        }
        return count == 0 ? nil : Int(count)
    }

    func close() {
        _ = try? LibSerialPortCall.run("sp_close", port: path) { sp_close(port) }
        sp_free_port(port)
    }
}
