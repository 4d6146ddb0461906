/// How a dot ended.
public enum DotOutcome: UInt8, Sendable, CaseIterable {
    /// Every commanded stroke was delivered.
    case completed = 0
    /// Stopped by a fault or an emergency stop before all strokes: never re-needled without an operator's say.
    case interrupted = 1
    /// Rejected before any stroke (out of range, late): the dot was not touched.
    case rejected = 2
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
    /// Board time at which the last dot of the batch ended.
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

    static let names: [UInt16: String] = [
        0x01: "late_command", 0x02: "hang_beyond_ceiling", 0x03: "position_out_of_travel", 0x04: "watchdog",
        0x05: "frame_check_storm", 0x06: "unrepairable_sequence_gap", 0x07: "not_armed", 0x08: "queue_overflow",
        0x09: "stroke_rate_out_of_range", 0x0A: "strokes_out_of_range", 0x0B: "emergency_stop",
        0x0C: "motor_stall", 0x0D: "board_reset", 0x0E: "malformed_command", 0x0F: "schedule_overlap",
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

/// A snapshot of the board, sent on a status query and after state changes.
public struct BoardStatus: Equatable, Hashable, Sendable, Codable {
    public var boardTime: UInt64
    /// Board time minus the time spent held: the clock that queued commands' times refer to.
    public var scheduleTime: UInt64
    public var state: BoardState
    public var queueDepth: UInt32
    public var queueFree: UInt32
    public var xMicrometres: Int32
    public var yMicrometres: Int32
    /// Z axis position relative to the contact plane, positive into the skin.
    public var zMicrometres: Int32
    public var motorCentihertz: UInt32
    public var lastCompletedDot: UInt32
    /// The fault that put the board in the safe state, 0 if none since the last arm.
    public var activeFault: FaultCode

    public init(
        boardTime: UInt64, scheduleTime: UInt64, state: BoardState, queueDepth: UInt32, queueFree: UInt32,
        xMicrometres: Int32, yMicrometres: Int32, zMicrometres: Int32, motorCentihertz: UInt32,
        lastCompletedDot: UInt32, activeFault: FaultCode
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
    }
}
