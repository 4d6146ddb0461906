import SMPJournal

/// Where a run keeps what it must never forget: the intents of the dots it sent, the board's reports of them, the
/// sessions and the operator's decisions. ``SessionRunner`` records each input's entries here before that input's
/// bytes leave, and decides every send from ``state``.
public protocol RunLedger {
    /// Every entry recorded so far, reconciled.
    var state: JournalState { get }
    /// Makes `entries` durable, in order, or throws and records none of them.
    mutating func record(_ entries: [JournalEntry]) throws
}

/// The file journal of `smpctl run`: each `record` is one write and one `fdatasync`.
extension Journal: RunLedger {}

/// A ledger in memory, for dry runs and tests: the same reconciliation as the file journal, without a file.
public struct MemoryLedger: RunLedger, Sendable {
    public private(set) var state: JournalState

    /// A run of the plan with hash `plan` on `board`.
    public init(plan: PlanHash, board: BoardIdentity, hostSoftware: String, run: RunID = .random()) {
        state = JournalState(plan: plan, run: run, board: board, hostSoftware: hostSoftware)
    }

    public mutating func record(_ entries: [JournalEntry]) throws {
        var next = state
        for entry in entries { try next.record(entry) }
        state = next
    }
}
