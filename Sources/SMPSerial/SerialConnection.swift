/// An open byte stream to a board: what the wire layer is fed from and writes to.
///
/// Reads run on a dedicated thread that sleeps in `poll` and never blocks Swift's cooperative pool. Every chunk of
/// bytes that arrives is yielded on `bytes` as soon as it is there (no waiting for a full buffer). The stream ends:
/// - normally, after `close()`;
/// - by throwing a `SerialError` of kind `.deviceLost` when the device goes away (cable pulled, simulator killed);
/// - by throwing another `SerialError` (kind `.inputOutput`) when reading fails otherwise.
///
/// Call `close()` when done: the I/O thread keeps the connection (and the port) open until then, or until the
/// device is lost.
public protocol SerialConnection: AnyObject, Sendable {
    /// The path that was opened.
    var path: String { get }

    /// Which implementation serves the port: `libserialport` or `termios`.
    var backendName: String { get }

    /// Incoming bytes in the order they arrived, one array per read. Iterate it once, from one task: ending an
    /// iteration (dropping its iterator) ends the stream.
    var bytes: AsyncThrowingStream<[UInt8], any Error> { get }

    /// Sends `bytes` and returns once the kernel has taken all of them. A caller that writes faster than the device
    /// drains waits here: that is the back-pressure.
    ///
    /// - Throws: `SerialError` of kind `.deviceLost` if the device goes away first, `.closed` after `close()`.
    func write(_ bytes: [UInt8]) async throws(SerialError)

    /// Stops the reader, fails pending writes with `.closed`, finishes `bytes`, closes the port and returns when
    /// all of that is done (so the port can be opened again at once). Safe to call more than once.
    func close() async
}
