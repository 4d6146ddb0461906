extension WireSession {
    /// The smoothed round trip measured so far (µs; Karn's rule: only frames sent once give a sample), nil before the
    /// first sample.
    public var smoothedRoundTripMicros: Double? { smoothedRoundTrip }

    /// The retransmission timeout in force now (µs, Protocol.md §4).
    public var retransmissionTimeoutMicros: UInt64 { retransmitTimeout }
}
