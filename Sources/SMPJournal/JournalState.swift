/// Where one plan dot stands, reconciled from the journal: what a resume may do with it.
public enum DotState: Equatable, Sendable, CustomStringConvertible {
    /// No intent was ever recorded: its bytes never left the host. Send it with the plan's strokes.
    case neverSent
    /// An intent is durable and no outcome is known: its bytes may have reached the board, and it may have been
    /// needled. Never sent again without the operator's `redo` decision.
    case uncertain(wireDot: UInt32, strokes: UInt8)
    /// The board reported it completed (or named it as its last completed dot).
    case done
    /// The board reported it interrupted after `delivered` full-depth strokes in all: `owed` strokes remain, and
    /// only those may be sent.
    case partial(delivered: Int, owed: UInt8)
    /// The board reported it rejected or discarded before its dip, and it was never needled: `owed` strokes
    /// (all of that send's) may be sent.
    case refused(DotOutcome, owed: UInt8)
    /// The operator decided to needle this uncertain dot again, with `strokes` strokes.
    case redoAuthorised(strokes: UInt8)
    /// The operator decided to leave it, for `reason`.
    case skipped(reason: String)

    public var description: String {
        switch self {
        case .neverSent: "never sent"
        case .uncertain(let wire, _): "uncertain (wire dot \(wire) sent, no outcome)"
        case .done: "done"
        case .partial(let delivered, let owed): "partial (\(delivered) strokes delivered, \(owed) owed)"
        case .refused(let outcome, _): "\(outcome) by the board, never needled"
        case .redoAuthorised: "redo authorised by the operator"
        case .skipped(let reason): "skipped: \(reason)"
        }
    }

    /// The strokes a send of this dot must ask for now; nil when the dot must not be sent.
    public var strokesToSend: UInt8? {
        switch self {
        case .neverSent, .uncertain, .done, .skipped: nil
        case .partial(_, let owed), .refused(_, let owed): owed
        case .redoAuthorised(let strokes): strokes
        }
    }
}

/// A recorded send of one dot under one wire id.
public struct WireSend: Equatable, Sendable {
    /// The plan dot sent.
    public var planDot: UInt32
    /// The strokes the send asked for.
    public var strokes: UInt8
    /// The board's report; nil while none is known.
    public var report: DotReport?
    /// Set by ``SessionEvent/allReportsReceived`` when no report came: the board never accepted this send.
    public var notAcceptedByBoard = false
    /// Set by ``SessionEvent/boardReset(lastCompletedDot:)`` for a send still without a report: the board's RAM,
    /// with its queue and its unacknowledged reports, is gone, so no later session can settle it. It stays
    /// uncertain.
    public var lostInBoardRestart = false
}

/// Why an entry cannot be recorded in the state the journal is in (an intent that would needle a done dot twice,
/// an outcome for a wire dot never sent, ...). Nothing is written.
public struct JournalStateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, e.g. "plan dot 10 is done; sending it would risk needling it twice".
    public var reason: String
    public var description: String { reason }
}

/// The reconciled view of a run: every record applied in order. Value type: the journal applies a batch to a copy
/// and keeps it only once the batch is durable.
///
/// Rules (Docs/Journal.md, "Reconciliation"): an intent makes a dot uncertain; the board's report of that wire dot
/// resolves it (completed: done; interrupted after k of n strokes: partial, n - k owed; rejected or discarded:
/// refused, nothing delivered by that send); a session's `last_completed_dot` resolves that one wire dot as
/// completed and nothing else; the operator's redo turns an uncertain dot into one that may be sent again.
public struct JournalState: Equatable, Sendable {
    /// The run's header record.
    public private(set) var header: JournalHeader
    /// Every send of the run by wire id.
    public private(set) var sends: [UInt32: WireSend] = [:]
    /// The highest wire id used.
    public private(set) var highestWireDot: UInt32 = 0
    /// The highest `last_completed_dot` any session reported. It may be a dot of an earlier run on the same
    /// board, so wire ids of this run start above it: a later hello naming it can then only mean this run's dot.
    public private(set) var highestBoardCompletedDot: UInt32 = 0

    /// The wire id the next send must use at least: above every id used and every `last_completed_dot` seen.
    public var nextWireDot: UInt32 { max(highestWireDot, highestBoardCompletedDot) + 1 }
    /// The last session event recorded.
    public private(set) var lastSessionEvent: SessionEvent?
    /// How the run last ended; nil while it is running (or was killed).
    public private(set) var end: RunEnd?
    /// Reports that contradict the journal and were kept as the board's word (a completion for a dot the
    /// operator had redone: it was needled twice). Empty in a run without operator redo.
    public private(set) var conflicts: [String] = []

    private var ledgers: [UInt32: DotLedger] = [:]

    private struct DotLedger: Equatable {
        var delivered = 0
        var completed = false
        var interrupted = false
        /// Strokes owed after the last resolved send; nil while none is resolved.
        var owed: UInt8?
        var lastRefusal: DotOutcome?
        var unresolved: [UInt32] = []
        /// Unresolved sends the operator decided to redo, with the strokes of the redo.
        var redoCovers: Set<UInt32> = []
        var redoStrokes: UInt8?
        var skipReason: String?

        var state: DotState {
            if completed { return .done }
            if let skipReason { return .skipped(reason: skipReason) }
            if let uncovered = unresolved.last(where: { !redoCovers.contains($0) }) {
                return .uncertain(wireDot: uncovered, strokes: 0)
            }
            if let redoStrokes { return .redoAuthorised(strokes: redoStrokes) }
            if let owed {
                if interrupted || delivered > 0 { return .partial(delivered: delivered, owed: owed) }
                return .refused(lastRefusal ?? .discarded, owed: owed)
            }
            return .neverSent
        }
    }

    init(header: JournalHeader) {
        self.header = header
    }

    /// The state of a new run with only its header, in the current format: what a ledger kept in memory (a dry
    /// run's) starts from.
    public init(plan: PlanHash, run: RunID, board: BoardIdentity, hostSoftware: String) {
        self.init(
            header: JournalHeader(
                format: RecordFormat.currentFormat, plan: plan, run: run, board: board, hostSoftware: hostSoftware))
    }

    /// Applies `entry` as a journal append would, without a file: for ledgers kept in memory. A report already
    /// recorded exactly so is accepted and changes nothing.
    public mutating func record(_ entry: JournalEntry) throws(JournalStateError) {
        if case .outcome(let report) = entry, isRecorded(report) { return }
        try apply(entry)
    }

    /// The reconciled state of plan dot `planDot` (`neverSent` for a dot the journal never mentions).
    public func state(ofPlanDot planDot: UInt32) -> DotState {
        guard let ledger = ledgers[planDot] else { return .neverSent }
        let state = ledger.state
        if case .uncertain(let wire, _) = state { return .uncertain(wireDot: wire, strokes: sends[wire]?.strokes ?? 0) }
        return state
    }

    /// Every plan dot the journal mentions, with its state, in plan-dot order.
    public var mentionedDots: [(planDot: UInt32, state: DotState)] {
        ledgers.keys.sorted().map { ($0, state(ofPlanDot: $0)) }
    }

    /// The plan dots whose fate is unknown, in plan-dot order: listed for the operator, never re-sent on their own.
    public var uncertainDots: [UInt32] {
        mentionedDots.compactMap { if case .uncertain = $0.state { $0.planDot } else { nil } }
    }

    /// Whether `report` is already recorded exactly so (the board re-sends unacknowledged reports after a
    /// reconnect).
    public func isRecorded(_ report: DotReport) -> Bool { sends[report.wireDot]?.report == report }

    /// Applies one entry after the header, or says why it cannot be recorded.
    mutating func apply(_ entry: JournalEntry) throws(JournalStateError) {
        switch entry {
        case .header:
            throw JournalStateError(reason: "a second header record")
        case .intent(let intent):
            try applyIntent(intent)
        case .outcome(let report):
            try applyReport(report, implied: false)
        case .session(let event):
            lastSessionEvent = event
            switch event {
            case .connected(_, let last, _), .boardReset(let last):
                highestBoardCompletedDot = max(highestBoardCompletedDot, last)
                if case .boardReset = event {
                    for (wire, send) in sends where send.report == nil && !send.notAcceptedByBoard && wire != last {
                        sends[wire]?.lostInBoardRestart = true
                    }
                }
                if last != 0, let send = sends[last], send.report == nil {
                    try applyReport(
                        DotReport(wireDot: last, outcome: .completed, deliveredStrokes: send.strokes), implied: true)
                } else if last != 0, let report = sends[last]?.report, report.outcome != .completed {
                    conflicts.append(
                        "the board names wire dot \(last) its last completed dot; it reported it \(report.outcome)")
                }
            case .disconnected:
                break
            case .allReportsReceived:
                resolveUnreportedSends()
            }
        case .decision(let decision):
            try applyDecision(decision)
        case .end(let end, _):
            self.end = end
        }
    }

    private mutating func applyIntent(_ intent: DotIntent) throws(JournalStateError) {
        guard intent.wireDot != 0 else {
            throw JournalStateError(reason: "wire dot 0 means none; expected an id of at least 1")
        }
        guard intent.wireDot >= nextWireDot else {
            throw JournalStateError(
                reason: "wire dot \(intent.wireDot) is not above the ids used (\(highestWireDot)) and the board's last "
                    + "completed dot (\(highestBoardCompletedDot)); expected \(nextWireDot) or more")
        }
        guard intent.strokes >= 1 else {
            throw JournalStateError(reason: "an intent for plan dot \(intent.planDot) with 0 strokes")
        }
        let current = state(ofPlanDot: intent.planDot)
        switch current {
        case .neverSent:
            break
        case .partial, .refused, .redoAuthorised:
            guard intent.strokes == current.strokesToSend else {
                throw JournalStateError(
                    reason: "plan dot \(intent.planDot) is \(current); a send of \(intent.strokes) strokes, "
                        + "expected \(current.strokesToSend ?? 0)")
            }
        case .uncertain, .done, .skipped:
            throw JournalStateError(
                reason: "plan dot \(intent.planDot) is \(current); sending it would risk needling it twice")
        }
        var ledger = ledgers[intent.planDot] ?? DotLedger()
        if case .redoAuthorised = current { ledger.redoStrokes = nil }
        ledger.unresolved.append(intent.wireDot)
        ledgers[intent.planDot] = ledger
        sends[intent.wireDot] = WireSend(planDot: intent.planDot, strokes: intent.strokes, report: nil)
        highestWireDot = max(highestWireDot, intent.wireDot)
    }

    private mutating func applyReport(_ report: DotReport, implied: Bool) throws(JournalStateError) {
        guard var send = sends[report.wireDot] else {
            throw JournalStateError(reason: "a report for wire dot \(report.wireDot), which was never sent in this run")
        }
        if send.notAcceptedByBoard {
            conflicts.append(
                "wire dot \(report.wireDot) was reported \(report.outcome) after all reports were received")
            send.notAcceptedByBoard = false
        }
        if let earlier = send.report {
            throw JournalStateError(
                reason: "wire dot \(report.wireDot) was already reported \(earlier.outcome) with "
                    + "\(earlier.deliveredStrokes) strokes; now \(report.outcome) with \(report.deliveredStrokes)")
        }
        guard report.deliveredStrokes <= send.strokes else {
            throw JournalStateError(
                reason: "wire dot \(report.wireDot) reported \(report.deliveredStrokes) strokes delivered; "
                    + "it was sent with \(send.strokes)")
        }
        send.report = report
        sends[report.wireDot] = send
        var ledger = ledgers[send.planDot] ?? DotLedger()
        let wasCovered = ledger.redoCovers.contains(report.wireDot)
        let redoAlreadySent = wasCovered && ledger.redoStrokes == nil
        ledger.unresolved.removeAll { $0 == report.wireDot }
        ledger.redoCovers.remove(report.wireDot)
        switch report.outcome {
        case .completed:
            if redoAlreadySent || ledger.completed {
                conflicts.append(
                    "plan dot \(send.planDot): wire dot \(report.wireDot) completed after the operator's redo was sent")
            }
            ledger.completed = true
            ledger.delivered += Int(report.deliveredStrokes)
            ledger.redoStrokes = nil
        case .interrupted:
            ledger.delivered += Int(report.deliveredStrokes)
            ledger.interrupted = true
            let owed = send.strokes - report.deliveredStrokes
            if owed == 0 { ledger.completed = true } else { ledger.owed = owed }
            if ledger.redoCovers.isEmpty { ledger.redoStrokes = nil }
        case .rejected, .discarded:
            ledger.owed = send.strokes
            ledger.lastRefusal = report.outcome
            if ledger.redoCovers.isEmpty { ledger.redoStrokes = nil }
        }
        ledgers[send.planDot] = ledger
    }

    /// Every send without a report was never accepted by the board: nothing of it was delivered.
    private mutating func resolveUnreportedSends() {
        for (planDot, var ledger) in ledgers where !ledger.unresolved.isEmpty {
            for wire in ledger.unresolved where sends[wire]?.lostInBoardRestart != true {
                sends[wire]?.notAcceptedByBoard = true
                if ledger.interrupted || ledger.delivered > 0 || ledger.lastRefusal != nil {
                    ledger.owed = sends[wire]?.strokes
                }
                ledger.redoCovers.remove(wire)
            }
            ledger.unresolved.removeAll { sends[$0]?.lostInBoardRestart != true }
            if ledger.redoCovers.isEmpty { ledger.redoStrokes = nil }
            ledgers[planDot] = ledger
        }
    }

    private mutating func applyDecision(_ decision: OperatorDecision) throws(JournalStateError) {
        switch decision {
        case .redo(let planDot):
            guard case .uncertain(let wire, let strokes) = state(ofPlanDot: planDot) else {
                throw JournalStateError(
                    reason: "plan dot \(planDot) is \(state(ofPlanDot: planDot)); only an uncertain dot can be redone")
            }
            var ledger = ledgers[planDot] ?? DotLedger()
            ledger.redoCovers.formUnion(ledger.unresolved)
            ledger.redoStrokes = strokes
            _ = wire
            ledgers[planDot] = ledger
        case .skip(let planDot, let reason):
            let current = state(ofPlanDot: planDot)
            guard current != .done else {
                throw JournalStateError(reason: "plan dot \(planDot) is done; there is nothing to skip")
            }
            var ledger = ledgers[planDot] ?? DotLedger()
            ledger.skipReason = reason
            ledgers[planDot] = ledger
        }
    }
}
