import Glibc
import SMPChecksum

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
        let crc = CRC32C.checksum(output[0..<4])
        let full = CRC32C.checksum(output[8..<output.count], seed: crc)
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
        let seed = CRC32C.checksum(bytes[offset..<(offset + 4)])
        let computed = CRC32C.checksum(bytes[(offset + framingSize)..<(offset + framingSize + length)], seed: seed)
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
