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
    /// Board only: while its owner says the watchdog is armed (``WireSession/watchdogArmed``), a heartbeat byte is
    /// sent when nothing was heard from the host for this long, and again every ``beatRequestRepeat`` while the
    /// silence lasts: a "beat request" that the host answers at once, so that a lost host heartbeat is repaired
    /// long before the watchdog trips. Nil: never.
    public var beatRequestSilence: UInt64?
    public var beatRequestRepeat: UInt64
    /// Host only: a heartbeat from the peer is answered with one of ours at once if we sent nothing for this long
    /// (the answer to the board's beat request). Nil: heartbeats are never answered.
    public var heartbeatAnswerQuietTime: UInt64?
    /// Host only: a peer heartbeat is taken for a beat request, and answered, only when it comes sooner than this
    /// after the previous thing heard from the peer. The board's own beats come after 100 ms of its silence, so
    /// answering them too would cost a byte every 100 ms for nothing.
    public var beatRequestRecognition: UInt64
    /// Host only: silence from the peer after which the session fails with ``LinkFailure/peerSilent(microseconds:)``.
    /// Nil: the session never gives up on silence (the board's watchdog belongs to its owner).
    public var peerSilenceLimit: UInt64?
    /// A fast retransmission of the same frame is not repeated within this time (a burst of NACKs for one gap).
    public var fastRetransmitHoldoff: UInt64
    /// Host only: how often and how many times a hello is sent before the connection attempt fails.
    public var helloInterval: UInt64
    public var helloAttempts: Int
    /// Unacknowledged messages survive a new session and are re-sent in it (the board's completions and faults must
    /// never be lost); the host's commands are not, since their schedule times would be stale.
    public var carriesUnacknowledgedAcrossSessions: Bool

    /// The defaults of `role`; the link-loss times (``beatRequestSilence``, ``heartbeatAnswerQuietTime``,
    /// ``peerSilenceLimit``) take the role's defaults and are changed by setting them.
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
        // The r1 watchdog trips after 100 ms of host silence. The host beats at 40 ms; from 50 ms of silence the
        // board asks for a beat every 10 ms and the host answers each within a round trip, so a spurious trip needs a
        // lost host beat and five lost request-answer pairs (Docs/Protocol.md, "Heartbeat"). The host gives the board 1 s, ten of its 100 ms
        // beats: a yanked cable shows sooner as a hang-up, and a silent board has no needle to stop.
        let isHost = role == .host
        self.heartbeatInterval = heartbeatInterval ?? (isHost ? 40_000 : 100_000)
        beatRequestSilence = isHost ? nil : 50_000
        beatRequestRepeat = 10_000
        // Shorter than the request repeat less twice the link's latency jitter, so that every request is answered.
        heartbeatAnswerQuietTime = isHost ? 5_000 : nil
        beatRequestRecognition = 90_000
        peerSilenceLimit = isHost ? 1_000_000 : nil
        self.fastRetransmitHoldoff = fastRetransmitHoldoff
        self.helloInterval = helloInterval
        self.helloAttempts = helloAttempts
        self.carriesUnacknowledgedAcrossSessions = carriesUnacknowledgedAcrossSessions ?? (role == .board)
    }
}
