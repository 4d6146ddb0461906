import SMPWire

/// What became of every planned dot, as far as the host knows from the board's reports. A dot whose fate is unknown
/// is never sent again: it is listed as uncertain for the operator to look at.
public struct DotAccounting: Sendable, Equatable {
    /// One dot's fate.
    public enum Fate: Sendable, Equatable {
        /// Not sent (yet).
        case notSent
        /// Sent, no record yet.
        case sent
        /// The board reported all its strokes.
        case done
        /// The skin may or may not have been needled there: interrupted, or sent and never reported.
        case uncertain(String)
        /// Not needled, known: never sent, refused by the board before it moved towards the skin, or discarded.
        case skipped(String)
    }

    public private(set) var fates: [Fate]
    /// Records the board sent for dots that already had one (should stay 0: a board bug or a duplicated report).
    public private(set) var duplicateRecords = 0
    /// Records for wire ids the host never sent.
    public private(set) var unknownRecords = 0

    // Counts kept as the fates change: the controller asks for them on every input.
    public private(set) var done = 0
    public private(set) var uncertain = 0
    public private(set) var skipped = 0
    /// Sent and still waiting for their record.
    public private(set) var awaiting = 0

    public init(count: Int) { fates = Array(repeating: .notSent, count: count) }

    /// An accounting with these fates (a run's, from its ledger).
    public init(fates: [Fate]) {
        self.init(count: fates.count)
        for (index, fate) in fates.enumerated() { set(index, fate) }
    }

    public var count: Int { fates.count }
    /// Dots with a final fate (done, uncertain, skipped).
    public var settled: Int { done + uncertain + skipped }

    private mutating func set(_ index: Int, _ fate: Fate) {
        func adjust(_ fate: Fate, by step: Int) {
            switch fate {
            case .notSent: break
            case .sent: awaiting += step
            case .done: done += step
            case .uncertain: uncertain += step
            case .skipped: skipped += step
            }
        }
        adjust(fates[index], by: -1)
        adjust(fate, by: 1)
        fates[index] = fate
    }

    mutating func markSent(_ index: Int) {
        if fates[index] == .notSent { set(index, .sent) }
    }

    /// Applies one completion record for dot `index`; `lastFault` names the reason of a refusal.
    mutating func record(_ completion: DotCompletion, index: Int, strokesCommanded: Int, lastFault: String?) {
        guard fates.indices.contains(index) else {
            unknownRecords += 1
            return
        }
        guard fates[index] == .sent || fates[index] == .notSent else {
            duplicateRecords += 1
            return
        }
        switch completion.outcome {
        case .completed:
            set(index, .done)
        case .interrupted:
            set(
                index,
                .uncertain(
                    "interrupted after \(completion.strokesDelivered) of \(strokesCommanded) strokes"
                        + (lastFault.map { " (\($0))" } ?? "")))
        case .rejected:
            set(index, .skipped("rejected by the board" + (lastFault.map { ": \($0)" } ?? "")))
        case .discarded:
            set(
                index,
                .skipped("discarded by the board, never started" + (lastFault.map { " (after \($0))" } ?? "")))
        }
    }

    /// The session ended with `reason`: dots sent without a record become uncertain, dots never sent skipped.
    mutating func close(reason: String) {
        for index in fates.indices {
            switch fates[index] {
            case .sent: set(index, .uncertain("sent, no record from the board before the session ended: \(reason)"))
            case .notSent: set(index, .skipped("not sent: \(reason)"))
            default: break
            }
        }
    }
}
