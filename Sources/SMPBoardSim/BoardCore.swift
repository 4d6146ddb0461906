/// A sans-I/O board: bytes and board time in, bytes out. The firmware model is one; runners drive any of them.
///
/// Board time is microseconds of the 1 MHz board clock. A runner calls ``receive(_:at:)`` with each chunk of bytes
/// the host sent, ``advance(to:)`` as time passes, and never calls either with a time earlier than before.
public protocol BoardCore {
    /// Bytes from the host, arriving at board time `time`; returns the bytes the board sends in response.
    mutating func receive(_ bytes: [UInt8], at time: UInt64) -> [UInt8]
    /// Lets board time reach `time`, running whatever was due; returns the bytes the board sends meanwhile.
    mutating func advance(to time: UInt64) -> [UInt8]
    /// The next board time at which ``advance(to:)`` has work to do, or nil when only new bytes can cause any.
    var nextDeadline: UInt64? { get }
    /// ``nextDeadline`` for a runner that holds the core mutably, called once per event: a large core answers it in
    /// place (a non-mutating call from mutating code copies the whole value first). The same value as
    /// ``nextDeadline``; it changes nothing.
    mutating func peekNextDeadline() -> UInt64?
}

extension BoardCore {
    public mutating func peekNextDeadline() -> UInt64? { nextDeadline }
}
