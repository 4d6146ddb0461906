import Glibc

/// A plan's identity: the SHA-256 of its DOTS file's bytes. Every journal record carries it, so a journal is only
/// ever applied to the plan it was written for.
public struct PlanHash: Hashable, Sendable, CustomStringConvertible {
    /// The 32 bytes of the digest.
    public let bytes: [UInt8]

    /// The hash of a DOTS file's content, byte for byte as it was read.
    public static func of<Bytes: Collection<UInt8>>(dotsFileContent: Bytes) -> PlanHash {
        PlanHash(uncheckedBytes: SHA256.digest(dotsFileContent))
    }

    init(uncheckedBytes: [UInt8]) {
        precondition(uncheckedBytes.count == 32, "a plan hash has 32 bytes")
        bytes = uncheckedBytes
    }

    /// Lower-case hexadecimal, 64 digits.
    public var description: String { hexadecimal(bytes) }
}

/// One run of a plan: random at creation, kept by every resume of that run. Every record carries it.
public struct RunID: Hashable, Sendable, CustomStringConvertible {
    /// The 16 random bytes.
    public let bytes: [UInt8]

    /// A new identifier from the system's random source.
    public static func random() -> RunID {
        var generator = SystemRandomNumberGenerator()
        return RunID(uncheckedBytes: (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    init(uncheckedBytes: [UInt8]) {
        precondition(uncheckedBytes.count == 16, "a run id has 16 bytes")
        bytes = uncheckedBytes
    }

    /// Lower-case hexadecimal, 32 digits.
    public var description: String { hexadecimal(bytes) }
}

/// The board a run was started on, from its `board_hello`. A resume must find the same board.
public struct BoardIdentity: Equatable, Sendable, CustomStringConvertible {
    /// `board_model`, e.g. `smp-driver-r1`.
    public var model: String
    /// `serial_number`: the one board of that model.
    public var serialNumber: String
    /// `protocol_version` of the hello.
    public var protocolVersion: UInt16

    public init(model: String, serialNumber: String, protocolVersion: UInt16) {
        self.model = model
        self.serialNumber = serialNumber
        self.protocolVersion = protocolVersion
    }

    public var description: String { "\(model) serial \(serialNumber) (protocol \(protocolVersion))" }
}

/// What the journal's first record says about the run.
public struct JournalHeader: Equatable, Sendable {
    /// The record format the file was written in.
    public var format: UInt16
    /// The plan the run carries out.
    public var plan: PlanHash
    /// The run, kept by every resume.
    public var run: RunID
    /// The board the run was started on.
    public var board: BoardIdentity
    /// The program that created the journal, e.g. `smpctl 0.1.0`.
    public var hostSoftware: String
}

/// A dot's outcome as the board reports it in a completion record (Docs/Protocol.md §10.7); the raw values are
/// the wire's outcome codes.
public enum DotOutcome: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Every stroke counted.
    case completed = 0
    /// Its dip started and it ended short; the record says how many strokes counted.
    case interrupted = 1
    /// Refused before its dip: nothing touched the skin.
    case rejected = 2
    /// Accepted and never dipped: nothing touched the skin.
    case discarded = 3

    public var description: String {
        switch self {
        case .completed: "completed"
        case .interrupted: "interrupted"
        case .rejected: "rejected"
        case .discarded: "discarded"
        }
    }
}

/// "About to send wire dot `wireDot` = plan dot `planDot`, with `strokes` strokes": recorded durably before the
/// dot's bytes are written to the port.
public struct DotIntent: Equatable, Sendable {
    /// The dot id on the wire: unique within the run, at least 1 (0 means "none" on the wire).
    public var wireDot: UInt32
    /// The dot's id in the DOTS file.
    public var planDot: UInt32
    /// Strokes this send asks for: the plan's count, or the strokes still owed.
    public var strokes: UInt8

    public init(wireDot: UInt32, planDot: UInt32, strokes: UInt8) {
        self.wireDot = wireDot
        self.planDot = planDot
        self.strokes = strokes
    }
}

/// A completion record as the board reported it, for one wire dot.
public struct DotReport: Equatable, Sendable {
    /// The wire dot the record is for.
    public var wireDot: UInt32
    /// What the board did with it.
    public var outcome: DotOutcome
    /// Full-depth strokes the board counted for this send.
    public var deliveredStrokes: UInt8

    public init(wireDot: UInt32, outcome: DotOutcome, deliveredStrokes: UInt8) {
        self.wireDot = wireDot
        self.outcome = outcome
        self.deliveredStrokes = deliveredStrokes
    }
}

/// What happened to the link and the board.
public enum SessionEvent: Equatable, Sendable {
    /// A session was established; the values are the board's hello.
    case connected(sessionID: UInt32, lastCompletedDot: UInt32, pendingCompletions: UInt32)
    /// The board reported `board_reset`: its queue and unacknowledged reports are gone.
    case boardReset(lastCompletedDot: UInt32)
    /// The link was lost (hang-up, timeout, or the port vanished).
    case disconnected
    /// In a session with no `board_reset`, every completion record the board re-sent (its hello's
    /// `pending_completions`) has been received and journaled. The board gives every dot it accepted exactly one
    /// record and the host acknowledges a record only once it is journaled, so a sent dot still without a report
    /// was never accepted by the board: it was not needled (Docs/Journal.md, "Reconciliation").
    case allReportsReceived
}

/// A decision the operator made, recorded with the run.
public enum OperatorDecision: Equatable, Sendable {
    /// `--redo-uncertain`: needle again a dot whose earlier send has no outcome, accepting that it may be a second
    /// hit.
    case redo(planDot: UInt32)
    /// Leave a dot that is not done unneedled in this run, for `reason`.
    case skip(planDot: UInt32, reason: String)
}

/// How a run ended (for now: a later resume may continue it).
public enum RunEnd: UInt8, Sendable, CaseIterable {
    /// Every dot was dealt with.
    case finished = 0
    /// The operator stopped.
    case stopped = 1
    /// A fault or an error ended it.
    case failed = 2
}

/// The content of one journal record.
public enum JournalEntry: Equatable, Sendable {
    /// The first record: the run's plan, id and board.
    case header(JournalHeader)
    /// A dot about to be sent.
    case intent(DotIntent)
    /// The board's report of a sent dot.
    case outcome(DotReport)
    /// The link or the board changed.
    case session(SessionEvent)
    /// The operator decided.
    case decision(OperatorDecision)
    /// The run ended (a resume may continue it).
    case end(RunEnd, detail: String)
}

/// One record as read back: its place in the file and its content.
public struct JournalRecord: Equatable, Sendable {
    /// 0 for the header, then 1, 2, ... in file order.
    public var sequence: UInt32
    /// Byte offset of the record's first byte in the file.
    public var offset: Int
    /// Wall-clock time of writing, milliseconds since 1970.
    public var timeMilliseconds: UInt64
    /// What the record says.
    public var entry: JournalEntry
}

func hexadecimal(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef")
    return String(bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0xF)]] })
}
