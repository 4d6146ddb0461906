/// The host's opening message: who it is and which protocol and schema it speaks.
public struct HostHello: Equatable, Hashable, Sendable, Codable {
    public var protocolVersion: UInt16
    public var schemaHash: UInt32
    /// Chosen afresh by the host for each connection; the board echoes it. A repeated hello with the same id is a
    /// retry (answered, nothing reset); a new id starts a new session.
    public var sessionID: UInt32
    public var hostSoftware: String

    public init(
        protocolVersion: UInt16 = WireSchema.protocolVersion, schemaHash: UInt32 = WireSchema.hash,
        sessionID: UInt32, hostSoftware: String
    ) {
        self.protocolVersion = protocolVersion
        self.schemaHash = schemaHash
        self.sessionID = sessionID
        self.hostSoftware = hostSoftware
    }
}

/// The board's answer: its identity, limits and clock. Sent even to a peer it refuses, so that the refusal can name
/// both sides.
public struct BoardHello: Equatable, Hashable, Sendable, Codable {
    public var protocolVersion: UInt16
    public var schemaHash: UInt32
    /// The host's session id echoed; 0 when the board answers a frame from a session it does not know (after a
    /// reset), which tells the host to connect again.
    public var sessionID: UInt32
    public var boardModel: String
    public var firmwareVersion: String
    public var serialNumber: String
    public var clockHertz: UInt32
    /// Queue slots: one per dot of a train, one per other queued command.
    public var queueCapacity: UInt16
    public var limits: BoardLimits
    /// The board clock when the hello was sent (microseconds at 1 MHz), the first sample for clock sync.
    public var boardTime: UInt64
    /// The last dot the board completed in any session, 0 if none: lets a reconnecting host reconcile its journal.
    public var lastCompletedDot: UInt32
    /// Completion records (not frames) the board still holds unacknowledged; they are re-sent in the new session.
    public var pendingCompletions: UInt32
    /// The handpiece model: a host reads its nominal data (stroke, motor time constant, membrane-loss range) from
    /// Hardware/handpieces/, never anything of the patient.
    public var handpieceModel: String
    /// The cartridge the board was last told is fitted (catalogue name), empty if none.
    public var cartridge: String
    public var surfaceMode: SurfaceMode

    public init(
        protocolVersion: UInt16 = WireSchema.protocolVersion, schemaHash: UInt32 = WireSchema.hash,
        sessionID: UInt32, boardModel: String,
        firmwareVersion: String, serialNumber: String, clockHertz: UInt32, queueCapacity: UInt16,
        limits: BoardLimits, boardTime: UInt64, lastCompletedDot: UInt32, pendingCompletions: UInt32,
        handpieceModel: String, cartridge: String, surfaceMode: SurfaceMode
    ) {
        self.protocolVersion = protocolVersion
        self.schemaHash = schemaHash
        self.sessionID = sessionID
        self.boardModel = boardModel
        self.firmwareVersion = firmwareVersion
        self.serialNumber = serialNumber
        self.clockHertz = clockHertz
        self.queueCapacity = queueCapacity
        self.limits = limits
        self.boardTime = boardTime
        self.lastCompletedDot = lastCompletedDot
        self.pendingCompletions = pendingCompletions
        self.handpieceModel = handpieceModel
        self.cartridge = cartridge
        self.surfaceMode = surfaceMode
    }
}
