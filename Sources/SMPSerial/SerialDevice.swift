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
