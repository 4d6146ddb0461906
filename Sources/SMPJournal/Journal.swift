import Glibc
import SMPSystem

/// Why a journal cannot be created, opened or appended to: the file, the byte offset where that applies, and
/// the reason, as one line.
public struct JournalError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The journal file, as given.
    public var path: String
    /// The offset of the record at fault, when one is.
    public var offset: Int?
    /// What is wrong and what was expected.
    public var reason: String

    public init(path: String, offset: Int? = nil, reason: String) {
        self.path = path
        self.offset = offset
        self.reason = reason
    }

    public var description: String {
        if let offset { return "\(path): offset \(offset): \(reason)" }
        return "\(path): \(reason)"
    }
}

/// What reading a journal file found.
public struct JournalRecovery: Sendable {
    /// Every sound record, in order, up to the first one that is not.
    public var records: [JournalRecord]
    /// The state those records reconcile to; nil when not even the header is sound.
    public var state: JournalState?
    /// The length of the sound prefix: where the next record goes.
    public var soundLength: Int
    /// The file's length.
    public var fileLength: Int
    /// What ends the sound prefix, when the file holds more.
    public var damage: Damage?

    /// Bytes after the sound records.
    public struct Damage: Sendable, Equatable {
        /// Where the first unsound record starts.
        public var offset: Int
        /// Why it is not sound, e.g. "checksum mismatch".
        public var reason: String
        /// True when a sound record follows the damage: the file was damaged in place, not cut short by a crash
        /// during its last append. Such a journal is refused for appending, because the records past the damage
        /// may be intents of dots that reached the board.
        public var soundRecordFollows: Bool
    }
}

/// The run journal: an append-only file of checksummed records of one run of one plan (Docs/Journal.md).
///
/// Durability: every `append…` call writes its records with one `pwrite` and makes them durable with one
/// `fdatasync` before it returns, and only then does ``state`` include them. Group commit is the caller's: put
/// the intents of a whole train in one ``appendIntents(_:)`` and write the train to the port only after it
/// returns; put the reports of one completion batch in one ``appendOutcomes(_:)`` before acknowledging them.
///
/// After a failed write or sync nothing more is appended (every later append throws): what reached the disk is
/// unknown, and a run must stop and be resumed from what a fresh open reads. The journal takes an exclusive
/// `flock` so that two processes never append to one file.
public final class Journal {
    /// The file, as given.
    public let path: String
    /// The reconciled state of every durable record.
    public private(set) var state: JournalState
    /// Set when opening found a torn tail: it is cut off before the next record is written.
    public let recoveredDamage: JournalRecovery.Damage?

    private var descriptor: Int32
    private var durableLength: Int
    private var nextSequence: UInt32
    private var tailToCut: Bool
    private var failure: String?
    private let clock: @Sendable () -> UInt64

    /// Milliseconds since 1970 from the system's real-time clock.
    public static let wallClock: @Sendable () -> UInt64 = {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return UInt64(time.tv_sec) * 1000 + UInt64(time.tv_nsec) / 1_000_000
    }

    private init(
        path: String, descriptor: Int32, state: JournalState, durableLength: Int, nextSequence: UInt32,
        damage: JournalRecovery.Damage?, clock: @escaping @Sendable () -> UInt64
    ) {
        self.path = path
        self.descriptor = descriptor
        self.state = state
        self.durableLength = durableLength
        self.nextSequence = nextSequence
        self.recoveredDamage = damage
        self.tailToCut = damage != nil
        self.clock = clock
    }

    deinit {
        if descriptor >= 0 { SystemCall.close(descriptor) }
    }

    /// Creates the journal of a new run at `path`, which must not exist: an existing journal belongs to an
    /// earlier run and is continued only by ``resume(at:plan:clock:)``. The header is durable, and the file's
    /// directory entry too, when this returns; on failure no file is left.
    public static func create(
        at path: String, plan: PlanHash, board: BoardIdentity, hostSoftware: String, run: RunID = .random(),
        clock: @escaping @Sendable () -> UInt64 = wallClock
    ) throws(JournalError) -> Journal {
        guard !path.isEmpty else { throw JournalError(path: path, reason: "empty path; expected a journal file name") }
        let descriptor: Int32
        do {
            descriptor = try SystemCall.run("open") {
                open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            }
        } catch {
            if error.errorNumber == EEXIST {
                throw JournalError(
                    path: path,
                    reason: "already exists: it is the journal of an earlier run; continue that run with resume "
                        + "(--resume) or name another journal file")
            }
            throw JournalError(path: path, reason: "cannot be created: \(error.message)")
        }
        let header = JournalHeader(
            format: RecordFormat.currentFormat, plan: plan, run: run, board: board, hostSoftware: hostSoftware)
        let bytes = RecordFormat.encode(
            .header(header), sequence: 0, plan: plan, run: run, timeMilliseconds: clock())
        do throws(SystemCallError) {
            try lockExclusively(descriptor, path: path)
            try writeAll(descriptor, bytes, at: 0)
            try SystemCall.run("fdatasync") { fdatasync(descriptor) }
            try syncDirectory(of: path)
        } catch {
            SystemCall.close(descriptor)
            _ = try? SystemCall.run("unlink") { unlink(path) }
            throw JournalError(path: path, reason: "cannot be written: \(error.message)")
        }
        return Journal(
            path: path, descriptor: descriptor, state: JournalState(header: header), durableLength: bytes.count,
            nextSequence: 1, damage: nil, clock: clock)
    }

    /// Opens the journal of an earlier run of `plan` to continue it: the run id stays the run's. Refused, with
    /// the file untouched: a missing file, another plan's journal, a newer format, a file damaged in place
    /// (sound records after a bad one), records that contradict each other. A torn tail (the last append cut
    /// short by a crash) is recovered to the last sound record, reported in ``recoveredDamage``, and cut off
    /// before the next append.
    public static func resume(
        at path: String, plan: PlanHash, clock: @escaping @Sendable () -> UInt64 = wallClock
    ) throws(JournalError) -> Journal {
        let descriptor = try openExisting(path, writable: true)
        do throws(JournalError) {
            do throws(SystemCallError) {
                try lockExclusively(descriptor, path: path)
            } catch {
                if error.errorNumber == EWOULDBLOCK {
                    throw JournalError(path: path, reason: "is in use by another process (another smpctl run)")
                }
                throw JournalError(path: path, reason: "cannot be locked: \(error.message)")
            }
            let recovery = try recover(readAll(descriptor, path: path), path: path)
            guard let state = recovery.state else {
                guard let damage = recovery.damage, !damage.soundRecordFollows else {
                    throw JournalError(
                        path: path, offset: 0,
                        reason: "the header record is damaged (\(recovery.damage?.reason ?? "unreadable")) and "
                            + "records follow; refused, expected a journal with a sound header")
                }
                throw JournalError(
                    path: path, offset: 0,
                    reason: "holds no complete header (\(damage.reason)): its creation was cut short and no dot "
                        + "was sent under it; remove it to start a new run")
            }
            guard state.header.plan == plan else {
                throw JournalError(
                    path: path, offset: 0,
                    reason: "is the journal of another plan (plan hash \(state.header.plan)); "
                        + "expected plan hash \(plan)")
            }
            if let damage = recovery.damage, damage.soundRecordFollows {
                throw JournalError(
                    path: path, offset: damage.offset,
                    reason: "\(damage.reason), and sound records follow: the file is damaged, not cut short; "
                        + "refused, since the records past the damage may be dots that reached the board")
            }
            return Journal(
                path: path, descriptor: descriptor, state: state, durableLength: recovery.soundLength,
                nextSequence: UInt32(recovery.records.count), damage: recovery.damage, clock: clock)
        } catch {
            SystemCall.close(descriptor)
            throw error
        }
    }

    /// Reads a journal without changing it (for inspection and tests); throws only when the file cannot be read,
    /// is of a newer format, or holds records that contradict each other.
    public static func read(at path: String) throws(JournalError) -> JournalRecovery {
        let descriptor = try openExisting(path, writable: false)
        defer { SystemCall.close(descriptor) }
        return try recover(readAll(descriptor, path: path), path: path)
    }

    /// Refuses a board other than the run's (model, serial number, protocol version).
    public func checkBoard(_ board: BoardIdentity) throws(JournalError) {
        guard board != state.header.board else { return }
        throw JournalError(
            path: path,
            reason: "the run was started on \(state.header.board); the board connected is \(board); "
                + "expected the same board")
    }

    /// Records the intents of a train; returns once they are durable. Only then may the train's bytes be written
    /// to the port. Refused without writing anything when any intent would send a dot that must not be sent
    /// (done, uncertain, skipped, or a stroke count other than what is owed).
    public func appendIntents(_ intents: [DotIntent]) throws(JournalError) {
        try append(intents.map { .intent($0) })
    }

    /// Records the board's reports; returns once they are durable, and only then may they be acknowledged to the
    /// board. A report already recorded exactly so (re-sent after a reconnect) is not written again.
    public func appendOutcomes(_ reports: [DotReport]) throws(JournalError) {
        var fresh: [DotReport] = []
        for report in reports where !state.isRecorded(report) && !fresh.contains(report) { fresh.append(report) }
        try append(fresh.map { .outcome($0) })
    }

    /// Records a session event; a `connected` or `boardReset` naming a sent dot as the board's last completed
    /// dot resolves that dot as completed, and ``SessionEvent/allReportsReceived`` resolves every send still
    /// without a report as never accepted by the board.
    public func appendSessionEvent(_ event: SessionEvent) throws(JournalError) {
        try append([.session(event)])
    }

    /// Records an operator decision (a redo only of an uncertain dot; a skip of any dot not done).
    public func appendDecision(_ decision: OperatorDecision) throws(JournalError) {
        try append([.decision(decision)])
    }

    /// Records how the run ended.
    public func appendEnd(_ end: RunEnd, detail: String) throws(JournalError) {
        try append([.end(end, detail: detail)])
    }

    /// Records `entries` in order with one write and one sync; returns once they are durable. Reports already
    /// recorded exactly so are left out, as ``appendOutcomes(_:)`` does. The controller's journal entries of one
    /// input go through here before that input's bytes are written.
    public func record(_ entries: [JournalEntry]) throws(JournalError) {
        var fresh: [JournalEntry] = []
        var seen: [DotReport] = []
        for entry in entries {
            if case .outcome(let report) = entry {
                if state.isRecorded(report) || seen.contains(report) { continue }
                seen.append(report)
            }
            fresh.append(entry)
        }
        try append(fresh)
    }

    /// Releases the file and its lock; later appends throw.
    public func close() {
        if descriptor >= 0 { SystemCall.close(descriptor) }
        descriptor = -1
        failure = failure ?? "the journal was closed"
    }

    private func append(_ entries: [JournalEntry]) throws(JournalError) {
        guard !entries.isEmpty else { return }
        if let failure { throw JournalError(path: path, reason: "no longer appended to: \(failure)") }
        var next = state
        var bytes: [UInt8] = []
        var written: UInt32 = 0
        let time = clock()
        for entry in entries {
            // A report an earlier entry of this batch already implies (a hello naming it the last completed dot)
            // is the same fact again: not written twice.
            if case .outcome(let report) = entry, next.isRecorded(report) { continue }
            do {
                try next.apply(entry)
            } catch {
                throw JournalError(path: path, reason: "not recorded: \(error.reason)")
            }
            bytes += RecordFormat.encode(
                entry, sequence: nextSequence + written, plan: state.header.plan, run: state.header.run,
                timeMilliseconds: time)
            written += 1
        }
        guard written > 0 else { return }
        do throws(SystemCallError) {
            if tailToCut {
                try SystemCall.run("ftruncate") { ftruncate(descriptor, off_t(durableLength)) }
                tailToCut = false
            }
            try Self.writeAll(descriptor, bytes, at: durableLength)
            try SystemCall.run("fdatasync") { fdatasync(descriptor) }
        } catch {
            // Cut back what may have been written, so that a reopen does not find records this process never
            // claimed; whether or not that works, stop appending.
            _ = try? SystemCall.run("ftruncate") { ftruncate(descriptor, off_t(durableLength)) }
            failure = "an earlier append failed (\(error))"
            throw JournalError(path: path, reason: "cannot append: \(error.message)")
        }
        durableLength += bytes.count
        nextSequence += written
        state = next
    }

    // MARK: Reading

    /// Parses `bytes` as a journal: the sound prefix, its state, and what ends it.
    static func recover(_ bytes: [UInt8], path: String) throws(JournalError) -> JournalRecovery {
        var records: [JournalRecord] = []
        var state: JournalState?
        var offset = 0
        var damage: (offset: Int, reason: String)?
        reading: while offset < bytes.count {
            let frame: RecordFormat.Frame
            switch RecordFormat.frame(in: bytes, at: offset) {
            case .success(let found): frame = found
            case .failure(let problem):
                damage = (offset, problem.reason)
                break reading
            }
            let common = RecordFormat.common(of: frame, in: bytes)
            if let header = state?.header {
                guard common.belongs(to: header.plan, header.run, in: bytes) else {
                    damage = (
                        offset,
                        "a record of another plan or run (plan hash \(common.plan(in: bytes)), run \(common.run(in: bytes)))"
                    )
                    break reading
                }
                guard common.sequence == UInt32(records.count) else {
                    damage = (offset, "record number \(common.sequence) where \(records.count) was expected")
                    break reading
                }
            } else {
                guard common.kind == RecordFormat.Kind.header.rawValue, common.sequence == 0,
                    let format = RecordFormat.headerFormat(of: frame, in: bytes)
                else {
                    damage = (offset, "the first record is not a journal header")
                    break reading
                }
                guard format <= RecordFormat.currentFormat else {
                    throw JournalError(
                        path: path, offset: offset,
                        reason: "written in journal format \(format), newer than this program reads; "
                            + "expected format \(RecordFormat.currentFormat) or older")
                }
            }
            let entry: JournalEntry
            switch RecordFormat.entry(of: frame, kind: common.kind, common: common, in: bytes) {
            case .success(let found): entry = found
            case .failure(let problem):
                damage = (offset, problem.reason)
                break reading
            }
            if state != nil {
                // Applied in place: a copy would duplicate the state's dictionaries at every record.
                do {
                    try state?.apply(entry)
                } catch {
                    throw JournalError(
                        path: path, offset: offset,
                        reason: "record \(common.sequence) contradicts the records before it: \(error.reason)")
                }
            } else if case .header(let header) = entry {
                state = JournalState(header: header)
            }
            records.append(
                JournalRecord(
                    sequence: common.sequence, offset: offset, timeMilliseconds: common.timeMilliseconds, entry: entry))
            offset = frame.end
        }
        let found = damage.map { damage in
            JournalRecovery.Damage(
                offset: damage.offset, reason: damage.reason,
                soundRecordFollows: soundRecordExists(in: bytes, after: damage.offset, of: state?.header))
        }
        return JournalRecovery(
            records: records, state: state, soundLength: offset, fileLength: bytes.count, damage: found)
    }

    /// Whether a frame with a sound check (and, once the header is known, this run's plan and run id) starts
    /// anywhere after `offset`.
    private static func soundRecordExists(in bytes: [UInt8], after offset: Int, of header: JournalHeader?) -> Bool {
        var candidate = offset + 1
        while candidate + RecordFormat.framingSize + RecordFormat.commonBodySize <= bytes.count {
            defer { candidate += 1 }
            let length = Int(RecordFormat.readU32(bytes, candidate))
            guard length >= RecordFormat.commonBodySize, length <= RecordFormat.maximumBodySize,
                candidate + RecordFormat.framingSize + length <= bytes.count,
                case .success(let frame) = RecordFormat.frame(in: bytes, at: candidate)
            else { continue }
            guard let header else { return true }
            let common = RecordFormat.common(of: frame, in: bytes)
            if common.belongs(to: header.plan, header.run, in: bytes) { return true }
        }
        return false
    }

    // MARK: Files

    private static func openExisting(_ path: String, writable: Bool) throws(JournalError) -> Int32 {
        guard !path.isEmpty else { throw JournalError(path: path, reason: "empty path; expected a journal file") }
        let descriptor: Int32
        do {
            descriptor = try SystemCall.run("open") {
                open(path, (writable ? O_RDWR : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
            }
        } catch {
            switch error.errorNumber {
            case ENOENT: throw JournalError(path: path, reason: "does not exist; there is no run to resume")
            case ELOOP: throw JournalError(path: path, reason: "is a symbolic link; name the journal file itself")
            case EISDIR: throw JournalError(path: path, reason: "is a directory; expected a journal (a regular file)")
            default: throw JournalError(path: path, reason: "cannot be opened: \(error.message)")
            }
        }
        var info = stat()
        do {
            try SystemCall.run("fstat") { fstat(descriptor, &info) }
        } catch {
            SystemCall.close(descriptor)
            throw JournalError(path: path, reason: "cannot be examined: \(error.message)")
        }
        let type = info.st_mode & S_IFMT
        guard type == S_IFREG else {
            SystemCall.close(descriptor)
            throw JournalError(
                path: path,
                reason: "is \(FileType.description(of: type)); expected a journal (a regular file)")
        }
        return descriptor
    }

    private static func readAll(_ descriptor: Int32, path: String) throws(JournalError) -> [UInt8] {
        var content: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count: Int
            do {
                count = try SystemCall.run("pread") {
                    chunk.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(content.count)) }
                }
            } catch {
                throw JournalError(path: path, reason: "cannot be read: \(error.message)")
            }
            if count == 0 { return content }
            content += chunk[0..<count]
        }
    }

    private static func lockExclusively(_ descriptor: Int32, path: String) throws(SystemCallError) {
        try SystemCall.run("flock") { flock(descriptor, LOCK_EX | LOCK_NB) }
    }

    private static func writeAll(_ descriptor: Int32, _ bytes: [UInt8], at start: Int) throws(SystemCallError) {
        var written = 0
        while written < bytes.count {
            let count = try SystemCall.run("pwrite") {
                bytes[written...].withUnsafeBytes {
                    pwrite(descriptor, $0.baseAddress, $0.count, off_t(start + written))
                }
            }
            written += count
        }
    }

    /// Makes a new file's directory entry durable, so that the header's fdatasync is not lost with the name.
    private static func syncDirectory(of path: String) throws(SystemCallError) {
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        let descriptor = try SystemCall.run("open") { open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { SystemCall.close(descriptor) }
        try SystemCall.run("fsync") { fsync(descriptor) }
    }
}
