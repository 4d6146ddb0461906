import SMPJournal

/// Where a run keeps what it must never forget: the intents of the dots it sent, the board's reports of them, the
/// sessions and the operator's decisions. ``SessionRunner`` records each input's entries here before that input's
/// bytes leave, and decides every send from ``state``.
public protocol RunLedger {
    /// Every entry recorded so far, reconciled.
    var state: JournalState { get }
    /// Makes `entries` durable, in order, or throws; after a throw nothing more may be sent.
    mutating func record(_ entries: [JournalEntry]) throws
}

/// The file journal of `smpctl run`: each `record` is one write and one `fdatasync`.
extension Journal: RunLedger {}

/// A ledger in memory, for dry runs and tests: the same reconciliation as the file journal, without a file.
/// Nothing is durable; a refused entry ends it (every later `record` throws), as a failed append ends a journal.
public struct MemoryLedger: RunLedger, Sendable {
    public private(set) var state: JournalState

    /// A run of the plan with hash `plan` on `board`.
    public init(plan: PlanHash, board: BoardIdentity, hostSoftware: String, run: RunID = .random()) {
        state = JournalState(plan: plan, run: run, board: board, hostSoftware: hostSoftware)
    }

    /// Applies `entries` in place: a copy of the state per call would cost the whole run's records every time.
    /// An entry the state refuses stops the batch there; like a file journal after a failed append, the ledger
    /// then refuses everything (the run stops on the first failure anyway).
    public mutating func record(_ entries: [JournalEntry]) throws {
        if let failure { throw failure }
        for entry in entries {
            do { try state.record(entry) } catch {
                failure = error
                throw error
            }
        }
    }

    private var failure: JournalStateError?
}
