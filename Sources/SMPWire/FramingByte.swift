/// The three byte values that protocol v1 reserves on the wire. Inside a frame they are escaped, so on the wire they
/// always mean what they say: a frame boundary, an escape, or a heartbeat.
public enum FramingByte {
    /// Ends a frame (and, at the start of a stream, marks the start of the first one).
    public static let delimiter: UInt8 = 0x7E
    /// The next byte is a reserved value XOR `escapeMask`.
    public static let escape: UInt8 = 0x7D
    /// "I am alive": a single out-of-frame byte that feeds the peer's watchdog. It may appear anywhere, even inside
    /// a frame, and never changes the decoder's state. It costs one byte, which is what makes a 100 ms watchdog
    /// affordable within a few bytes per dot (Docs/Protocol.md, "Heartbeat").
    public static let heartbeat: UInt8 = 0x7C
    public static let escapeMask: UInt8 = 0x20

    @inlinable
    public static func isReserved(_ byte: UInt8) -> Bool { byte >= heartbeat && byte <= delimiter }
}
