/// One open port as the I/O thread drives it: a pollable file descriptor plus non-blocking read and write.
/// Only the connection's I/O thread calls these, one at a time, after opening.
protocol SerialDevice: AnyObject, Sendable {
    /// The path that was opened, for errors.
    var path: String { get }
    /// `libserialport` or `termios`.
    var backendName: String { get }
    /// The descriptor to poll (for libserialport, the port's handle).
    var fileDescriptor: Int32 { get }
    /// Reads what is there without waiting: the byte count, 0 at end of file, nil when nothing is available.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SerialError) -> Int?
    /// Writes what the kernel takes without waiting: the byte count, nil when it takes nothing now.
    func write(_ bytes: UnsafeRawBufferPointer) throws(SerialError) -> Int?
    /// Releases the port. Called once, last.
    func close()
}

extension SerialDevice {
    /// Reads until the kernel has nothing more, in chunks of `buffer`'s size, handing each chunk to `deliver`;
    /// returns the error that ends the line (a failed read, classified against poll's `revents`, or end of file),
    /// nil when the device simply has nothing more for now.
    func readAvailable(
        into buffer: inout [UInt8], revents: Int16, deliver: (ArraySlice<UInt8>) -> Void
    ) -> SerialError? {
        while true {
            let outcome = buffer.withUnsafeMutableBytes { raw in
                Result { () throws(SerialError) -> Int? in try read(into: raw) }
            }
            let count: Int?
            switch outcome {
            case .success(let value): count = value
            case .failure(let error): return error.classifyingHangUp(revents: revents)
            }
            guard let count else { return nil }
            if count == 0 {
                return SerialError(
                    kind: .deviceLost, operation: "read", port: path, message: "end of file: the device closed the line"
                )
            }
            deliver(buffer[0..<count])
            if count < buffer.count { return nil }
        }
    }
}
