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

/// The record format (Docs/Journal.md gives it byte by byte).
///
/// A record is `length: u32le`, `crc: u32le`, then `length` body bytes; the CRC-32C covers the four length bytes
/// and the body, so a damaged length is detected too. The body is `kind: u8`, `sequence: u32le`, the plan hash
/// (32 bytes), the run id (16 bytes), `time_ms: u64le`, then the kind's fields. This framing and the header's
/// first fields (`magic`, `format`) never change between formats, so any version can tell a newer file apart.
enum RecordFormat {
    static let currentFormat: UInt16 = 1
    static let magic: [UInt8] = Array("SMPJRNL\0".utf8)
    static let framingSize = 8
    static let commonBodySize = 1 + 4 + 32 + 16 + 8
    /// Longest body accepted: a longer length field is damage, not a record.
    static let maximumBodySize = 4096
    static let maximumStringSize = 1024

    enum Kind: UInt8 {
        case header = 1
        case intent = 2
        case outcome = 3
        case session = 4
        case decision = 5
        case end = 6
    }

    static func encode(
        _ entry: JournalEntry, sequence: UInt32, plan: PlanHash, run: RunID, timeMilliseconds: UInt64
    ) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(96)
        let kind: Kind
        var fields = ByteWriter()
        switch entry {
        case .header(let header):
            kind = .header
            fields.bytes(magic)
            fields.u16(header.format)
            fields.u16(header.board.protocolVersion)
            fields.string(header.board.model)
            fields.string(header.board.serialNumber)
            fields.string(header.hostSoftware)
        case .intent(let intent):
            kind = .intent
            fields.u32(intent.wireDot)
            fields.u32(intent.planDot)
            fields.u8(intent.strokes)
        case .outcome(let report):
            kind = .outcome
            fields.u32(report.wireDot)
            fields.u8(report.outcome.rawValue)
            fields.u8(report.deliveredStrokes)
        case .session(let event):
            kind = .session
            switch event {
            case .connected(let session, let lastCompleted, let pending):
                fields.u8(0)
                fields.u32(session)
                fields.u32(lastCompleted)
                fields.u32(pending)
            case .boardReset(let lastCompleted):
                fields.u8(1)
                fields.u32(lastCompleted)
            case .disconnected:
                fields.u8(2)
            case .allReportsReceived:
                fields.u8(3)
            }
        case .decision(let decision):
            kind = .decision
            switch decision {
            case .redo(let planDot):
                fields.u8(0)
                fields.u32(planDot)
            case .skip(let planDot, let reason):
                fields.u8(1)
                fields.u32(planDot)
                fields.string(reason)
            }
        case .end(let end, let detail):
            kind = .end
            fields.u8(end.rawValue)
            fields.string(detail)
        }
        var common = ByteWriter()
        common.u8(kind.rawValue)
        common.u32(sequence)
        common.bytes(plan.bytes)
        common.bytes(run.bytes)
        common.u64(timeMilliseconds)
        body = common.output + fields.output
        var record = ByteWriter()
        record.u32(UInt32(body.count))
        record.u32(0)
        record.bytes(body)
        var output = record.output
        let crc = JournalCRC32C.checksum(output, 0..<4)
        let full = JournalCRC32C.checksum(output, 8..<output.count, seed: crc)
        for index in 0..<4 { output[4 + index] = UInt8(truncatingIfNeeded: full >> UInt32(8 * index)) }
        return output
    }

    /// A record whose framing and check are sound, not yet interpreted.
    struct Frame {
        var offset: Int
        var end: Int
        var bodyStart: Int { offset + framingSize }
    }

    /// The sound frame starting at `offset`, or why there is none.
    static func frame(in bytes: [UInt8], at offset: Int) -> Result<Frame, FrameProblem> {
        guard bytes.count - offset >= framingSize else {
            return .failure(.truncated("the record's framing is cut short"))
        }
        let length = Int(readU32(bytes, offset))
        guard length >= commonBodySize, length <= maximumBodySize else {
            return .failure(.damaged("length \(length) is outside \(commonBodySize)...\(maximumBodySize)"))
        }
        guard bytes.count - offset - framingSize >= length else {
            return .failure(.truncated("the record's \(length) body bytes are cut short"))
        }
        let stored = readU32(bytes, offset + 4)
        let seed = JournalCRC32C.checksum(bytes, offset..<(offset + 4))
        let computed = JournalCRC32C.checksum(
            bytes, (offset + framingSize)..<(offset + framingSize + length), seed: seed)
        guard stored == computed else { return .failure(.damaged("checksum mismatch")) }
        return .success(Frame(offset: offset, end: offset + framingSize + length))
    }

    enum FrameProblem: Error {
        /// The file ends inside the record: the last append was cut short.
        case truncated(String)
        /// The bytes are there and wrong.
        case damaged(String)

        var reason: String {
            switch self {
            case .truncated(let reason), .damaged(let reason): reason
            }
        }
    }

    /// The common fields of a sound frame; the plan hash and run id are read only when asked for, since the
    /// reader compares them in place at every record.
    struct Common {
        var kind: UInt8
        var sequence: UInt32
        var timeMilliseconds: UInt64
        var start: Int

        func plan(in bytes: [UInt8]) -> PlanHash {
            PlanHash(uncheckedBytes: Array(bytes[(start + 5)..<(start + 37)]))
        }

        func run(in bytes: [UInt8]) -> RunID {
            RunID(uncheckedBytes: Array(bytes[(start + 37)..<(start + 53)]))
        }

        /// Whether the record carries `plan` and `run`.
        func belongs(to plan: PlanHash, _ run: RunID, in bytes: [UInt8]) -> Bool {
            RecordFormat.bytes(bytes, at: start + 5, equal: plan.bytes)
                && RecordFormat.bytes(bytes, at: start + 37, equal: run.bytes)
        }
    }

    static func common(of frame: Frame, in bytes: [UInt8]) -> Common {
        let start = frame.bodyStart
        return Common(
            kind: bytes[start],
            sequence: readU32(bytes, start + 1),
            timeMilliseconds: UInt64(readU32(bytes, start + 53)) | UInt64(readU32(bytes, start + 57)) << 32,
            start: start)
    }

    /// The format number of a header frame (its bytes after the magic), or nil when the magic is wrong.
    static func headerFormat(of frame: Frame, in bytes: [UInt8]) -> UInt16? {
        var reader = ByteReader(bytes: bytes, position: frame.bodyStart + commonBodySize, end: frame.end)
        guard reader.skip(matching: magic), let format = reader.u16() else { return nil }
        return format
    }

    /// The entry of a sound frame of the current format, or why its fields do not parse.
    static func entry(of frame: Frame, kind: UInt8, common: Common, in bytes: [UInt8]) -> Result<
        JournalEntry, FieldProblem
    > {
        var reader = ByteReader(bytes: bytes, position: frame.bodyStart + commonBodySize, end: frame.end)
        let entry: JournalEntry?
        switch Kind(rawValue: kind) {
        case .header:
            if reader.skip(matching: magic), let format = reader.u16(),
                let protocolVersion = reader.u16(), let model = reader.string(), let serial = reader.string(),
                let software = reader.string()
            {
                entry = .header(
                    JournalHeader(
                        format: format, plan: common.plan(in: bytes), run: common.run(in: bytes),
                        board: BoardIdentity(model: model, serialNumber: serial, protocolVersion: protocolVersion),
                        hostSoftware: software))
            } else {
                entry = nil
            }
        case .intent:
            if let wire = reader.u32(), let plan = reader.u32(), let strokes = reader.u8() {
                entry = .intent(DotIntent(wireDot: wire, planDot: plan, strokes: strokes))
            } else {
                entry = nil
            }
        case .outcome:
            if let wire = reader.u32(), let code = reader.u8(), let outcome = DotOutcome(rawValue: code),
                let delivered = reader.u8()
            {
                entry = .outcome(DotReport(wireDot: wire, outcome: outcome, deliveredStrokes: delivered))
            } else {
                entry = nil
            }
        case .session:
            switch reader.u8() {
            case 0:
                if let session = reader.u32(), let last = reader.u32(), let pending = reader.u32() {
                    entry = .session(
                        .connected(sessionID: session, lastCompletedDot: last, pendingCompletions: pending))
                } else {
                    entry = nil
                }
            case 1: entry = reader.u32().map { .session(.boardReset(lastCompletedDot: $0)) }
            case 2: entry = .session(.disconnected)
            case 3: entry = .session(.allReportsReceived)
            default: entry = nil
            }
        case .decision:
            switch reader.u8() {
            case 0: entry = reader.u32().map { .decision(.redo(planDot: $0)) }
            case 1:
                if let planDot = reader.u32(), let reason = reader.string() {
                    entry = .decision(.skip(planDot: planDot, reason: reason))
                } else {
                    entry = nil
                }
            default: entry = nil
            }
        case .end:
            if let code = reader.u8(), let end = RunEnd(rawValue: code), let detail = reader.string() {
                entry = .end(end, detail: detail)
            } else {
                entry = nil
            }
        case nil:
            return .failure(FieldProblem(reason: "unknown record kind \(kind)"))
        }
        guard let entry else {
            return .failure(FieldProblem(reason: "the fields of a \(kindName(kind)) record do not parse"))
        }
        guard reader.position == frame.end else {
            return .failure(
                FieldProblem(
                    reason: "a \(kindName(kind)) record has \(frame.end - reader.position) bytes past its fields"))
        }
        return .success(entry)
    }

    struct FieldProblem: Error {
        var reason: String
    }

    static func kindName(_ kind: UInt8) -> String {
        switch Kind(rawValue: kind) {
        case .header: "header"
        case .intent: "intent"
        case .outcome: "outcome"
        case .session: "session"
        case .decision: "decision"
        case .end: "end"
        case nil: "unknown"
        }
    }

    /// Whether `bytes[offset...]` starts with `expected` (the caller has checked the length).
    static func bytes(_ bytes: [UInt8], at offset: Int, equal expected: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { bytes in
            expected.withUnsafeBufferPointer { expected in
                memcmp(bytes.baseAddress! + offset, expected.baseAddress!, expected.count) == 0
            }
        }
    }

    static func readU32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
    }
}

struct ByteWriter {
    var output: [UInt8] = []

    mutating func u8(_ value: UInt8) { output.append(value) }
    mutating func u16(_ value: UInt16) {
        for shift in [0, 8] { output.append(UInt8(truncatingIfNeeded: value >> UInt16(shift))) }
    }
    mutating func u32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { output.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }
    mutating func u64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { output.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }
    mutating func bytes(_ value: [UInt8]) { output += value }
    /// `u16le` length and UTF-8; longer text is cut at a character boundary to the format's limit.
    mutating func string(_ value: String) {
        var utf8 = Array(value.utf8)
        if utf8.count > RecordFormat.maximumStringSize {
            var cut = RecordFormat.maximumStringSize
            while cut > 0 && utf8[cut] & 0xC0 == 0x80 { cut -= 1 }
            utf8 = Array(utf8[..<cut])
        }
        u16(UInt16(utf8.count))
        bytes(utf8)
    }
}

/// Reads fields in place, without copying them out of the file's bytes.
struct ByteReader {
    let bytes: [UInt8]
    var position: Int
    let end: Int

    /// Advances past `expected` when the next bytes are exactly it.
    mutating func skip(matching expected: [UInt8]) -> Bool {
        guard end - position >= expected.count, RecordFormat.bytes(bytes, at: position, equal: expected) else {
            return false
        }
        position += expected.count
        return true
    }

    mutating func u8() -> UInt8? {
        guard end - position >= 1 else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u16() -> UInt16? {
        guard end - position >= 2 else { return nil }
        defer { position += 2 }
        return UInt16(bytes[position]) | UInt16(bytes[position + 1]) << 8
    }

    mutating func u32() -> UInt32? {
        guard end - position >= 4 else { return nil }
        defer { position += 4 }
        return RecordFormat.readU32(bytes, position)
    }

    mutating func string() -> String? {
        guard let count = u16().map(Int.init), count <= RecordFormat.maximumStringSize, end - position >= count else {
            return nil
        }
        defer { position += count }
        return String(validating: bytes[position..<(position + count)], as: UTF8.self)
    }
}
