import Glibc
import SMPSystem

/// An open port driven from the caller's own thread, for a loop that owns its thread and its clock (the wall-time
/// controller transport); ``SerialConnection`` serves async callers from an I/O thread of its own instead.
///
/// It waits only in `poll`, never spinning: ``read(timeoutMicroseconds:)`` until bytes arrive, the line ends or the
/// timeout passes; ``write(_:)`` until the kernel has taken every byte. The line ends for good at the first hang-up
/// (POLLHUP, POLLERR, POLLNVAL, end of file), failing read, failing write or stalled write, keeping that error in
/// ``failure`` and releasing the port at once (so that it can be opened again); from then on reads return nothing
/// and writes are dropped. Use it from one thread at a time.
package final class SerialLine {
    /// The path that was opened.
    package let path: String
    /// `libserialport` or `termios`.
    package let backendName: String
    /// Why the line ended, naming the call; nil while it works (and after a plain ``close()``).
    package private(set) var failure: SerialError?
    /// Longest a write waits for the kernel to take more bytes before the line is given up (ms). At 921600 baud the
    /// kernel's buffer drains in milliseconds; a line that takes nothing for this long is held by flow control or
    /// gone, and the controller must hear so rather than block in a write.
    package var writeStallLimitMilliseconds: Int32 = 1_000
    private let device: any SerialDevice
    private var deviceOpen = true
    /// Size of one read; at 921600 baud this is about 0.7 s of data, so one read normally takes all there is.
    private var buffer = [UInt8](repeating: 0, count: 65_536)

    /// Opens `path` as ``SerialPort/open(_:configuration:)`` does (path checks, backend, exclusive lock, 8N1).
    package init(path: String, configuration: SerialConfiguration) throws(SerialError) {
        device = try SerialPort.openDevice(path, configuration: configuration)
        self.path = path
        backendName = device.backendName
    }

    deinit {
        close()
    }

    /// True until the line fails or is closed.
    package var isOpen: Bool { deviceOpen }

    /// Waits in poll until bytes arrive, the line ends, or `timeoutMicroseconds` pass (rounded up to the next
    /// millisecond, so that a wait never ends before its deadline); returns what arrived, empty at the timeout.
    /// Bytes read just before a hang-up are returned, and the line has ended when this returns.
    package func read(timeoutMicroseconds: UInt64) -> [UInt8] {
        guard deviceOpen else { return [] }
        let milliseconds = Int32(clamping: (timeoutMicroseconds + 999) / 1000)
        var descriptor = pollfd(fd: device.fileDescriptor, events: Int16(POLLIN), revents: 0)
        do {
            try SystemCall.run("poll", port: path) { poll(&descriptor, 1, milliseconds) }
        } catch {
            end(error)
            return []
        }
        let revents = descriptor.revents
        if let invalid = SerialError.lineEnding(revents: revents, port: path, afterReading: false) {
            end(invalid)
            return []
        }
        var received: [UInt8] = []
        if revents & Int16(POLLIN) != 0,
            let error = device.readAvailable(into: &buffer, revents: revents, deliver: { received += $0 })
        {
            end(error)
        } else if let hangUp = SerialError.lineEnding(revents: revents, port: path, afterReading: true) {
            end(hangUp)
        }
        return received
    }

    /// Writes all of `bytes`, continuing after partial writes and waiting in poll while the kernel's buffer is full.
    /// A failure, a hang-up or a stall longer than ``writeStallLimitMilliseconds`` ends the line (see ``failure``).
    package func write(_ bytes: [UInt8]) {
        var offset = 0
        while deviceOpen && offset < bytes.count {
            let outcome = bytes.withUnsafeBytes { raw in
                Result { () throws(SerialError) -> Int? in
                    try device.write(UnsafeRawBufferPointer(rebasing: raw[offset...]))
                }
            }
            switch outcome {
            case .failure(let error):
                end(error.classifyingHangUp(revents: 0))
                return
            case .success(let count?) where count > 0:
                offset += count
                continue
            case .success:
                break
            }
            var descriptor = pollfd(fd: device.fileDescriptor, events: Int16(POLLOUT), revents: 0)
            let ready: Int32
            do {
                ready = try SystemCall.run("poll", port: path) { poll(&descriptor, 1, writeStallLimitMilliseconds) }
            } catch {
                end(error)
                return
            }
            let revents = descriptor.revents
            if ready == 0 {
                end(
                    SerialError(
                        kind: .inputOutput, operation: "write", port: path,
                        message:
                            "the port took no byte for \(writeStallLimitMilliseconds) ms "
                            + "(\(bytes.count - offset) of \(bytes.count) left; held by flow control?)"))
            } else if let ending =
                SerialError.lineEnding(revents: revents, port: path, afterReading: false)
                ?? SerialError.lineEnding(revents: revents, port: path, afterReading: true)
            {
                end(ending)
            }
        }
    }

    /// Releases the port. Safe to call more than once.
    package func close() {
        guard deviceOpen else { return }
        deviceOpen = false
        device.close()
    }

    /// Keeps the first error and releases the port.
    private func end(_ error: SerialError) {
        if failure == nil { failure = error }
        close()
    }

}
