import Testing

@testable import SMPJournal

/// A board as the journal sees it: dots accepted into a queue, executed in order, one report each, reports kept
/// until acknowledged; and the truth of how many strokes each plan dot received.
private struct ModelBoard {
    var queue: [DotIntent] = []
    var pending: [DotReport] = []
    var accepted: Set<UInt32> = []
    var strokesReceived: [UInt32: Int] = [:]
    var lastCompleted: UInt32 = 0

    mutating func accept(_ intents: some Sequence<DotIntent>) {
        for intent in intents {
            queue.append(intent)
            accepted.insert(intent.wireDot)
        }
    }

    /// Runs the next `count` queued dots; an interruption puts the board in its safe state, which discards the
    /// queue with a report for each dot.
    mutating func execute(_ count: Int, using generator: inout SeededGenerator) {
        for _ in 0..<min(count, queue.count) {
            let dot = queue.removeFirst()
            if Int.random(in: 0..<8, using: &generator) == 0 {
                let delivered = UInt8.random(in: 0..<dot.strokes, using: &generator)
                strokesReceived[dot.planDot, default: 0] += Int(delivered)
                pending.append(DotReport(wireDot: dot.wireDot, outcome: .interrupted, deliveredStrokes: delivered))
                discardQueue()
                return
            }
            strokesReceived[dot.planDot, default: 0] += Int(dot.strokes)
            lastCompleted = dot.wireDot
            pending.append(DotReport(wireDot: dot.wireDot, outcome: .completed, deliveredStrokes: dot.strokes))
        }
    }

    mutating func discardQueue() {
        pending += queue.map { DotReport(wireDot: $0.wireDot, outcome: .discarded, deliveredStrokes: 0) }
        queue.removeAll()
    }

    /// Power loss: the queue and the unacknowledged reports vanish; `last_completed_dot` survives.
    mutating func brownOut() {
        queue.removeAll()
        pending.removeAll()
    }
}

@Suite("Journal under crashes")
struct JournalCrashPropertyTests {
    static let planDots: [UInt32] = Array(1...40)
    static let plannedStrokes: UInt8 = 4

    @Test("random runs killed at random points, torn appends included, recover without losing or inventing a dot")
    func crashAtRandomPoints() throws {
        var generator = SeededGenerator(seed: 2026)
        var crashes = 0
        var tornAppends = 0
        for round in 0..<24 {
            let outcome = try runRound(round, using: &generator)
            crashes += outcome.crashes
            tornAppends += outcome.torn
        }
        #expect(crashes >= 24 && tornAppends >= 10, "the rounds crashed (\(crashes)) and tore appends (\(tornAppends))")
    }

    private func runRound(_ round: Int, using generator: inout SeededGenerator) throws -> (crashes: Int, torn: Int) {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("DOTS.journal")
        var journal = try Journal.create(at: path, plan: testPlan, board: testBoard, hostSoftware: "t")
        var board = ModelBoard()
        var crashes = 0
        var torn = 0
        var steps = 0
        while steps < 2000 {
            steps += 1
            let state = journal.state
            let unfinished = Self.planDots.filter {
                switch state.state(ofPlanDot: $0) {
                case .done, .skipped: false
                default: true
                }
            }
            if unfinished.isEmpty && board.pending.isEmpty { break }
            let stalled =
                board.queue.isEmpty && board.pending.isEmpty
                && unfinished.allSatisfy {
                    state.state(ofPlanDot: $0).strokesToSend == nil && state.state(ofPlanDot: $0) != .neverSent
                }
            if stalled {
                // Sent dots the board never had (the link lost the end of a train) get no report: the host stops
                // waiting, reconnects and reconciles.
                board.discardQueue()
                try reconnect(journal, &board, powerLost: false, session: UInt32(steps), round: round)
                continue
            }
            let crashNow = Int.random(in: 0..<10, using: &generator) == 0
            let durable = journal.state
            switch Int.random(in: 0..<3, using: &generator) {
            case 0:
                let sendable = unfinished.filter { dot in
                    state.state(ofPlanDot: dot) == .neverSent || state.state(ofPlanDot: dot).strokesToSend != nil
                }
                guard !sendable.isEmpty else { continue }
                var wire = state.nextWireDot - 1
                let intents = sendable.prefix(Int.random(in: 1...6, using: &generator)).map { dot in
                    wire += 1
                    return DotIntent(
                        wireDot: wire, planDot: dot,
                        strokes: state.state(ofPlanDot: dot).strokesToSend ?? Self.plannedStrokes)
                }
                if crashNow {
                    try tearAppend(path: path) { try journal.appendIntents(intents) }
                    torn += 1
                } else {
                    try journal.appendIntents(intents)
                    // The link may lose the end of the train: those dots never reach the queue.
                    board.accept(intents.prefix(Int.random(in: 0...intents.count, using: &generator)))
                }
            case 1:
                board.execute(Int.random(in: 1...4, using: &generator), using: &generator)
                if crashNow { try tearAppend(path: path) {} }
            default:
                let reports = Array(board.pending.prefix(Int.random(in: 1...6, using: &generator)))
                guard !reports.isEmpty else { continue }
                if crashNow {
                    try tearAppend(path: path) { try journal.appendOutcomes(reports) }
                    torn += 1
                } else {
                    try journal.appendOutcomes(reports)
                    board.pending.removeFirst(reports.count)
                }
            }
            guard crashNow else { continue }
            crashes += 1
            journal.close()
            // The host is gone: the watchdog puts the board in its safe state; sometimes power went too.
            let powerLost = Int.random(in: 0..<4, using: &generator) == 0
            if powerLost { board.brownOut() } else { board.discardQueue() }
            journal = try Journal.resume(at: path, plan: testPlan)
            try checkNothingDurableLost(durable, journal.state, round: round)
            try reconnect(journal, &board, powerLost: powerLost, session: UInt32(steps), round: round)
        }
        try checkAgainstTruth(journal.state, board, round: round)
        for dot in Self.planDots {
            switch journal.state.state(ofPlanDot: dot) {
            case .done, .skipped: break
            default:
                Issue.record("round \(round): plan dot \(dot) is \(journal.state.state(ofPlanDot: dot)) at the end")
            }
        }
        return (crashes, torn)
    }

    /// A new session and its reconciliation, as `--resume` (or a reconnect of a live host) does it: the hello's
    /// last completed dot, the re-sent reports, and, when the board kept its reports, the end of them.
    private func reconnect(
        _ journal: Journal, _ board: inout ModelBoard, powerLost: Bool, session: UInt32, round: Int
    ) throws {
        try journal.appendSessionEvent(
            powerLost
                ? .boardReset(lastCompletedDot: board.lastCompleted)
                : .connected(
                    sessionID: session, lastCompletedDot: board.lastCompleted,
                    pendingCompletions: UInt32(board.pending.count)))
        try journal.appendOutcomes(board.pending)
        board.pending.removeAll()
        if !powerLost { try journal.appendSessionEvent(.allReportsReceived) }
        for dot in journal.state.uncertainDots {
            let wire = try #require(sendOf(dot, in: journal.state))
            // Uncertain only if its bytes may have reached the board: accepted by it, or journaled in the very
            // append the crash cut (whose train was never written) when the board lost power too.
            #expect(
                board.accepted.contains(wire) || powerLost,
                "round \(round): plan dot \(dot) uncertain, the board never had wire dot \(wire)")
            #expect(powerLost, "round \(round): after all reports, nothing is uncertain")
            try journal.appendDecision(.skip(planDot: dot, reason: "fate unknown after a power loss"))
        }
        try checkAgainstTruth(journal.state, board, round: round)
    }
    /// Runs `append`, then leaves the file as a kill during it would: the bytes before it plus any prefix of
    /// its bytes (none, some, all of them written but the call not returned).
    private func tearAppend(path: String, _ append: () throws -> Void) throws {
        let before = try fileBytes(path)
        try append()
        let after = try fileBytes(path)
        var generator = SystemRandomNumberGenerator()
        let kept = Int.random(in: before.count...after.count, using: &generator)
        try writeBytes(Array(after[..<kept]), to: path)
    }

    private func sendOf(_ dot: UInt32, in state: JournalState) -> UInt32? {
        if case .uncertain(let wire, _) = state.state(ofPlanDot: dot) { return wire }
        return nil
    }

    /// Every report that was durable before the crash is still there, with the same content.
    private func checkNothingDurableLost(_ durable: JournalState, _ recovered: JournalState, round: Int) throws {
        for (wire, send) in durable.sends {
            #expect(recovered.sends[wire]?.planDot == send.planDot, "round \(round): wire dot \(wire) lost")
            if let report = send.report {
                #expect(recovered.sends[wire]?.report == report, "round \(round): report of wire dot \(wire) lost")
            }
        }
    }

    /// The journal's view of each dot agrees with the strokes the board truly delivered; no dot is over-needled.
    private func checkAgainstTruth(_ state: JournalState, _ board: ModelBoard, round: Int) throws {
        for dot in Self.planDots {
            let truth = board.strokesReceived[dot, default: 0]
            #expect(truth <= Int(Self.plannedStrokes), "round \(round): plan dot \(dot) got \(truth) strokes")
            switch state.state(ofPlanDot: dot) {
            case .done:
                #expect(truth == Int(Self.plannedStrokes), "round \(round): plan dot \(dot) done with \(truth)")
            case .partial(let delivered, let owed):
                #expect(delivered == truth, "round \(round): plan dot \(dot)")
                #expect(delivered + Int(owed) == Int(Self.plannedStrokes), "round \(round): plan dot \(dot)")
            case .neverSent, .refused:
                #expect(truth == 0, "round \(round): plan dot \(dot) has \(truth) strokes yet is not needled")
            case .uncertain, .redoAuthorised, .skipped:
                break
            }
        }
    }
}
