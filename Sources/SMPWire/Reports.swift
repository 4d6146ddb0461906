/// How a dot ended.
public enum DotOutcome: UInt8, Sendable, CaseIterable {
    /// Every commanded stroke was delivered.
    case completed = 0
    /// Its dip started (Z left the hop height towards the skin) and it stopped short of its strokes (fault, emergency
    /// stop): never re-needled without an operator's say.
    case interrupted = 1
    /// Refused by a check before it went towards the skin: at receipt (range, late, ceiling) or at its start (no
    /// surface, motor off its rate). The skin was not touched.
    case rejected = 2
    /// Accepted into the queue and never started: flushed, the safe state, or a new session.
    case discarded = 3
}

/// What the board reports for one dot.
public struct DotCompletion: Equatable, Hashable, Sendable, Codable {
    public var dotID: UInt32
    public var outcome: DotOutcome
    /// Peak motor-current load of each delivered stroke, in units of `loadUnitMillinewtons` (255 = at or above).
    public var peakLoads: [UInt8]

    public var strokesDelivered: Int { peakLoads.count }

    public init(dotID: UInt32, outcome: DotOutcome, peakLoads: [UInt8]) {
        self.dotID = dotID
        self.outcome = outcome
        self.peakLoads = peakLoads
    }

    /// One load unit: 4 mN, so that a byte spans 0-1.02 N, above any SMP puncture force (Docs/Protocol.md).
    public static let loadUnitMillinewtons = 4
    /// Strokes fit four bits in the record header.
    public static let maximumStrokes = 15
}

/// Completion reports for consecutive executions, batched to keep the board's traffic to a few bytes a dot.
public struct CompletionBatch: Equatable, Hashable, Sendable, Codable {
    /// Board time at which the dot of the batch's last record ended (for a rejected or discarded dot: when it was
    /// refused or dropped).
    public var finishedAt: UInt64
    public var completions: [DotCompletion]

    public init(finishedAt: UInt64, completions: [DotCompletion]) {
        self.finishedAt = finishedAt
        self.completions = completions
    }

    public static let maximumCompletions = 32
}

/// Fault codes: what made the board refuse a command or enter the safe state.
public struct FaultCode: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let lateCommand = FaultCode(rawValue: 0x01)
    public static let hangBeyondCeiling = FaultCode(rawValue: 0x02)
    public static let positionOutOfTravel = FaultCode(rawValue: 0x03)
    public static let watchdog = FaultCode(rawValue: 0x04)
    public static let frameCheckStorm = FaultCode(rawValue: 0x05)
    public static let unrepairableSequenceGap = FaultCode(rawValue: 0x06)
    public static let notArmed = FaultCode(rawValue: 0x07)
    public static let queueOverflow = FaultCode(rawValue: 0x08)
    public static let strokeRateOutOfRange = FaultCode(rawValue: 0x09)
    public static let strokesOutOfRange = FaultCode(rawValue: 0x0A)
    public static let emergencyStop = FaultCode(rawValue: 0x0B)
    public static let motorStall = FaultCode(rawValue: 0x0C)
    public static let boardReset = FaultCode(rawValue: 0x0D)
    public static let malformedCommand = FaultCode(rawValue: 0x0E)
    public static let scheduleOverlap = FaultCode(rawValue: 0x0F)
    /// A dot or move over a place the surface map does not cover (value: the x coordinate, um).
    public static let noSurface = FaultCode(rawValue: 0x10)
    /// A touch-off descended its maximum travel without contact (value: the axis Z where it stopped, um).
    public static let probeNoContact = FaultCode(rawValue: 0x11)
    /// A touch-off's load exceeded the force limit (value: the peak load, mN).
    public static let probeForceLimit = FaultCode(rawValue: 0x12)
    /// A command that needs the safe state arrived outside it (value: the state).
    public static let notSafe = FaultCode(rawValue: 0x13)

    static let names: [UInt16: String] = [
        0x01: "late_command", 0x02: "hang_beyond_ceiling", 0x03: "position_out_of_travel", 0x04: "watchdog",
        0x05: "frame_check_storm", 0x06: "unrepairable_sequence_gap", 0x07: "not_armed", 0x08: "queue_overflow",
        0x09: "stroke_rate_out_of_range", 0x0A: "strokes_out_of_range", 0x0B: "emergency_stop",
        0x0C: "motor_stall", 0x0D: "board_reset", 0x0E: "malformed_command", 0x0F: "schedule_overlap",
        0x10: "no_surface", 0x11: "probe_no_contact", 0x12: "probe_force_limit", 0x13: "not_safe",
    ]

    /// No fault.
    public static let none = FaultCode(rawValue: 0)

    public var name: String {
        rawValue == 0 ? "none" : Self.names[rawValue] ?? "fault_0x\(String(rawValue, radix: 16))"
    }
    public var description: String { name }
}

/// A fault, with the board time it happened and what it concerns.
public struct Fault: Equatable, Hashable, Sendable, Codable {
    public var code: FaultCode
    public var boardTime: UInt64
    /// The dot concerned, 0 if none.
    public var dotID: UInt32
    /// The offending value (a hang in um, a lateness in us, a position in um...), 0 if none. Docs/Protocol.md lists
    /// what it means for each code.
    public var value: Int64

    public init(code: FaultCode, boardTime: UInt64, dotID: UInt32 = 0, value: Int64 = 0) {
        self.code = code
        self.boardTime = boardTime
        self.dotID = dotID
        self.value = value
    }
}

/// The board's state machine, as reported.
public enum BoardState: UInt8, Sendable, CaseIterable {
    /// Needle retracted, motor stopped, queue empty; nothing moves until an arm. The state at power-up and after any
    /// fault.
    case safe = 0
    /// Armed, queue empty.
    case ready = 1
    /// Executing the queue.
    case running = 2
    /// Held by the operator: needle retracted, motor stopped, schedule clock frozen until resume.
    case held = 3
}

/// What the board knows of the skin surface (status and hello).
public enum SurfaceMode: UInt8, Sendable, CaseIterable {
    /// No grid, no flat declaration: every dot and move is `no_surface`. The state at power-up.
    case unmapped = 0
    /// A grid is declared; points whose cell has four probed corners are covered.
    case grid = 1
    /// The flat test set-up was declared: surface 0 everywhere.
    case flat = 2
    /// A grid was measured with another cartridge: kept, but nothing is covered until a touch-off at a stored node
    /// re-zeroes it.
    case unverified = 3
}

/// A snapshot of the board, sent on a status query and after state changes.
public struct BoardStatus: Equatable, Hashable, Sendable, Codable {
    public var boardTime: UInt64
    /// Board time minus the time spent held: the clock that queued commands' times refer to.
    public var scheduleTime: UInt64
    public var state: BoardState
    /// Queued commands not started. The dot in progress is not among them but holds its slot until it completes.
    public var queueDepth: UInt32
    public var queueFree: UInt32
    public var xMicrometres: Int32
    public var yMicrometres: Int32
    /// Z axis position (hang coordinates, positive into the skin; not relative to the local surface).
    public var zMicrometres: Int32
    public var motorCentihertz: UInt32
    public var lastCompletedDot: UInt32
    /// The fault that put the board in the safe state, 0 if none since the last arm.
    public var activeFault: FaultCode
    /// The dot being executed, 0 if none.
    public var dotInProgress: UInt32
    public var surfaceMode: SurfaceMode

    public init(
        boardTime: UInt64, scheduleTime: UInt64, state: BoardState, queueDepth: UInt32, queueFree: UInt32,
        xMicrometres: Int32, yMicrometres: Int32, zMicrometres: Int32, motorCentihertz: UInt32,
        lastCompletedDot: UInt32, activeFault: FaultCode, dotInProgress: UInt32, surfaceMode: SurfaceMode
    ) {
        self.boardTime = boardTime
        self.scheduleTime = scheduleTime
        self.state = state
        self.queueDepth = queueDepth
        self.queueFree = queueFree
        self.xMicrometres = xMicrometres
        self.yMicrometres = yMicrometres
        self.zMicrometres = zMicrometres
        self.motorCentihertz = motorCentihertz
        self.lastCompletedDot = lastCompletedDot
        self.activeFault = activeFault
        self.dotInProgress = dotInProgress
        self.surfaceMode = surfaceMode
    }
}

/// How a touch-off ended.
public enum TouchOffOutcome: UInt8, Sendable, CaseIterable {
    /// Contact found; `contact_z_um` is valid.
    case contact = 0
    /// The maximum travel passed without contact (fault `probe_no_contact` follows).
    case noContact = 1
    /// The load passed the force limit (fault `probe_force_limit` follows).
    case forceLimit = 2
}

/// The answer to a ``TouchOff``, reported in order with the completions.
public struct TouchOffResult: Equatable, Hashable, Sendable, Codable {
    public var xMicrometres: Int32
    public var yMicrometres: Int32
    /// Axis Z (hang coordinates) at which the load extrapolates to zero: the skin's height there is its negation.
    public var contactZMicrometres: Int32
    /// Highest load during the descent, in mN.
    public var peakLoadMillinewtons: UInt16
    public var outcome: TouchOffOutcome

    public init(
        xMicrometres: Int32, yMicrometres: Int32, contactZMicrometres: Int32, peakLoadMillinewtons: UInt16,
        outcome: TouchOffOutcome
    ) {
        self.xMicrometres = xMicrometres
        self.yMicrometres = yMicrometres
        self.contactZMicrometres = contactZMicrometres
        self.peakLoadMillinewtons = peakLoadMillinewtons
        self.outcome = outcome
    }
}

/// One stroke bottom that happened while a dot ran (counted or not), as a `detail` train asks.
public struct StrokeSample: Equatable, Hashable, Sendable, Codable {
    /// Board time since the dot's start (us).
    public var offsetMicroseconds: UInt32
    /// Local hang at the bottom: axis Z plus the board's surface there (um).
    public var zMicrometres: Int32
    /// Highest load of the stroke (mN).
    public var peakLoadMillinewtons: UInt16
    /// Load at bottom dead centre (mN): below the peak after a puncture.
    public var bottomLoadMillinewtons: UInt16
    /// Motor rate at the bottom (centihertz).
    public var rateCentihertz: UInt32
    public var counted: Bool

    public init(
        offsetMicroseconds: UInt32, zMicrometres: Int32, peakLoadMillinewtons: UInt16, bottomLoadMillinewtons: UInt16,
        rateCentihertz: UInt32, counted: Bool
    ) {
        self.offsetMicroseconds = offsetMicroseconds
        self.zMicrometres = zMicrometres
        self.peakLoadMillinewtons = peakLoadMillinewtons
        self.bottomLoadMillinewtons = bottomLoadMillinewtons
        self.rateCentihertz = rateCentihertz
        self.counted = counted
    }
}

/// Every stroke bottom of one dot (part of them when split over several reports, in order).
public struct StrokeDetail: Equatable, Hashable, Sendable, Codable {
    public var dotID: UInt32
    public var strokes: [StrokeSample]

    public init(dotID: UInt32, strokes: [StrokeSample]) {
        self.dotID = dotID
        self.strokes = strokes
    }

    /// Most samples one report carries: keeps it within a frame whatever the field widths.
    public static let maximumSamples = 14
}
