/// Which end of the link a session is.
public enum SessionRole: String, Sendable {
    /// Opens the connection with a hello; advertises no credit.
    case host
    /// Answers hellos, advertises queue credit, keeps unacknowledged reports across reconnects.
    case board
}

/// Timing and sizing of a reliable session. Times are microseconds of whatever clock the session is fed (board time
/// on the board, host monotonic time on the host, virtual time in tests).
public struct SessionConfiguration: Sendable {
    public var role: SessionRole
    /// Most sequenced frames in flight; also bounds the reorder buffer. Must stay below 128 for 8-bit sequence
    /// arithmetic.
    public var windowSize: Int
    /// Retransmission timeout before any round trip was measured, and its floor and ceiling afterwards.
    public var initialRetransmitTimeout: UInt64
    public var minimumRetransmitTimeout: UInt64
    public var maximumRetransmitTimeout: UInt64
    /// Retransmissions of one frame before the link is declared failed.
    public var maximumRetransmissions: Int
    /// How long an acknowledgement may wait for a frame to ride on.
    public var acknowledgementDelay: UInt64
    /// Silence after which a heartbeat byte is sent.
    public var heartbeatInterval: UInt64
    /// A fast retransmission of the same frame is not repeated within this time (a burst of NACKs for one gap).
    public var fastRetransmitHoldoff: UInt64
    /// Host only: how often and how many times a hello is sent before the connection attempt fails.
    public var helloInterval: UInt64
    public var helloAttempts: Int
    /// Unacknowledged messages survive a new session and are re-sent in it (the board's completions and faults must
    /// never be lost); the host's commands are not, since their schedule times would be stale.
    public var carriesUnacknowledgedAcrossSessions: Bool

    public init(
        role: SessionRole, windowSize: Int = 32, initialRetransmitTimeout: UInt64 = 20_000,
        minimumRetransmitTimeout: UInt64 = 4_000, maximumRetransmitTimeout: UInt64 = 200_000,
        maximumRetransmissions: Int = 25, acknowledgementDelay: UInt64 = 500, heartbeatInterval: UInt64? = nil,
        fastRetransmitHoldoff: UInt64 = 3_000, helloInterval: UInt64 = 100_000, helloAttempts: Int = 20,
        carriesUnacknowledgedAcrossSessions: Bool? = nil
    ) {
        self.role = role
        self.windowSize = min(max(windowSize, 1), 100)
        self.initialRetransmitTimeout = initialRetransmitTimeout
        self.minimumRetransmitTimeout = minimumRetransmitTimeout
        self.maximumRetransmitTimeout = max(maximumRetransmitTimeout, minimumRetransmitTimeout)
        self.maximumRetransmissions = maximumRetransmissions
        self.acknowledgementDelay = acknowledgementDelay
        // The board's watchdog trips after 100 ms of host silence: 45 ms lets one lost heartbeat pass unnoticed.
        // The host gives the board 400 ms (a yanked cable shows sooner as a hang-up), so the board can afford 150 ms.
        self.heartbeatInterval = heartbeatInterval ?? (role == .host ? 45_000 : 150_000)
        self.fastRetransmitHoldoff = fastRetransmitHoldoff
        self.helloInterval = helloInterval
        self.helloAttempts = helloAttempts
        self.carriesUnacknowledgedAcrossSessions = carriesUnacknowledgedAcrossSessions ?? (role == .board)
    }
}
