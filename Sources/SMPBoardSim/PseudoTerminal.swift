import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A pseudo-terminal pair for serving the simulated board to a host that opens a serial device path.
///
/// The simulator owns the master side. It also keeps the slave side open itself: while no process holds the slave,
/// reads on the master fail with EIO and poll reports POLLHUP, so holding it lets a host connect, disconnect and
/// reconnect without the simulator noticing anything but silence (which the watchdog then handles).
public final class PseudoTerminal {
    /// The device path a host opens, e.g. `/dev/pts/7`.
    public let slavePath: String
    /// The master side: what the simulator reads host bytes from and writes board bytes to (non-blocking).
    public let masterDescriptor: Int32
    private let slaveDescriptor: Int32
    private var closed = false

    /// Opens a new pair with both sides raw (no echo, no line editing, no character translation).
    public init() throws(PseudoTerminalError) {
        let calls = try PTYCalls.resolve()
        let master = calls.posixOpenpt(O_RDWR | O_NOCTTY)
        guard master >= 0 else { throw PseudoTerminalError(step: "posix_openpt", errno: errno) }
        guard calls.grantpt(master) == 0 else {
            let code = errno
            Glibc.close(master)
            throw PseudoTerminalError(step: "grantpt", errno: code)
        }
        guard calls.unlockpt(master) == 0 else {
            let code = errno
            Glibc.close(master)
            throw PseudoTerminalError(step: "unlockpt", errno: code)
        }
        var buffer = [CChar](repeating: 0, count: 256)
        guard calls.ptsnameR(master, &buffer, buffer.count) == 0 else {
            let code = errno
            Glibc.close(master)
            throw PseudoTerminalError(step: "ptsname_r", errno: code)
        }
        let path = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let slave = open(path, O_RDWR | O_NOCTTY)
        guard slave >= 0 else {
            let code = errno
            Glibc.close(master)
            throw PseudoTerminalError(step: "open \(path)", errno: code)
        }
        for descriptor in [master, slave] {
            var settings = termios()
            if tcgetattr(descriptor, &settings) == 0 {
                cfmakeraw(&settings)
                _ = tcsetattr(descriptor, TCSANOW, &settings)
            }
        }
        let flags = fcntl(master, F_GETFL)
        _ = fcntl(master, F_SETFL, flags | O_NONBLOCK)
        slavePath = path
        masterDescriptor = master
        slaveDescriptor = slave
    }

    /// Discards bytes the simulator wrote that no host has read yet (e.g. written while no host was connected).
    public func discardUnreadOutput() {
        _ = tcflush(slaveDescriptor, TCIFLUSH)
    }

    /// Closes both sides; a host holding the slave then sees a hang-up.
    public func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(slaveDescriptor)
        Glibc.close(masterDescriptor)
    }

    deinit { close() }
}

/// The libc pseudo-terminal calls. Glibc's Swift module does not export them (they need _XOPEN_SOURCE), so they
/// are looked up by name once, with their C signatures.
private struct PTYCalls {
    typealias IntToInt = @convention(c) (Int32) -> Int32
    typealias NameCall = @convention(c) (Int32, UnsafeMutablePointer<CChar>?, Int) -> Int32

    let posixOpenpt: IntToInt
    let grantpt: IntToInt
    let unlockpt: IntToInt
    let ptsnameR: NameCall

    static func resolve() throws(PseudoTerminalError) -> PTYCalls {
        let handle = dlopen(nil, RTLD_NOW)
        func symbol(_ name: String) throws(PseudoTerminalError) -> UnsafeMutableRawPointer {
            guard let pointer = dlsym(handle, name) else {
                throw PseudoTerminalError(step: "dlsym \(name)", errno: ENOSYS)
            }
            return pointer
        }
        return PTYCalls(
            posixOpenpt: unsafeBitCast(try symbol("posix_openpt"), to: IntToInt.self),
            grantpt: unsafeBitCast(try symbol("grantpt"), to: IntToInt.self),
            unlockpt: unsafeBitCast(try symbol("unlockpt"), to: IntToInt.self),
            ptsnameR: unsafeBitCast(try symbol("ptsname_r"), to: NameCall.self))
    }
}

/// A system call that failed while setting up or serving the pseudo-terminal.
public struct PseudoTerminalError: Error, CustomStringConvertible, Sendable {
    public let step: String
    public let errno: Int32

    public var description: String { "pseudo-terminal: \(step) failed: \(String(cString: strerror(errno)))" }
}
