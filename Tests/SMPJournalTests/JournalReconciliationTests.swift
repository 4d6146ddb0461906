import Testing

@testable import SMPJournal

@Suite("Journal reconciliation")
struct JournalReconciliationTests {
    private func journal(_ directory: TemporaryDirectory) throws -> Journal {
        try Journal.create(at: directory.file("DOTS.journal"), plan: testPlan, board: testBoard, hostSoftware: "t")
    }

    @Test("an intent makes a dot uncertain; its report resolves it; only what is owed may be sent")
    func outcomes() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let journal = try journal(directory)
        try journal.appendIntents([
            DotIntent(wireDot: 1, planDot: 10, strokes: 4), DotIntent(wireDot: 2, planDot: 11, strokes: 4),
            DotIntent(wireDot: 3, planDot: 12, strokes: 4), DotIntent(wireDot: 4, planDot: 13, strokes: 4),
        ])
        #expect(journal.state.uncertainDots == [10, 11, 12, 13])
        #expect(journal.state.state(ofPlanDot: 14) == .neverSent)
        try journal.appendOutcomes([
            DotReport(wireDot: 1, outcome: .completed, deliveredStrokes: 4),
            DotReport(wireDot: 2, outcome: .interrupted, deliveredStrokes: 1),
            DotReport(wireDot: 3, outcome: .discarded, deliveredStrokes: 0),
            DotReport(wireDot: 4, outcome: .rejected, deliveredStrokes: 0),
        ])
        #expect(journal.state.state(ofPlanDot: 10) == .done)
        #expect(journal.state.state(ofPlanDot: 11) == .partial(delivered: 1, owed: 3))
        #expect(journal.state.state(ofPlanDot: 12) == .refused(.discarded, owed: 4))
        #expect(journal.state.state(ofPlanDot: 13) == .refused(.rejected, owed: 4))
        #expect(journal.state.uncertainDots.isEmpty)

        for (intent, expected) in [
            (
                DotIntent(wireDot: 5, planDot: 10, strokes: 4),
                "plan dot 10 is done; sending it would risk needling it twice"
            ),
            (
                DotIntent(wireDot: 5, planDot: 11, strokes: 4),
                "plan dot 11 is partial (1 strokes delivered, 3 owed); a send of 4 strokes, expected 3"
            ),
            (
                DotIntent(wireDot: 4, planDot: 12, strokes: 4),
                "wire dot 4 is not above the ids used (4) and the board's last completed dot (0); expected 5 or more"
            ),
        ] {
            let error = #expect(throws: JournalError.self) { try journal.appendIntents([intent]) }
            #expect(error?.reason == "not recorded: " + expected)
        }
        try journal.appendIntents([DotIntent(wireDot: 5, planDot: 11, strokes: 3)])
        try journal.appendOutcomes([DotReport(wireDot: 5, outcome: .interrupted, deliveredStrokes: 2)])
        #expect(journal.state.state(ofPlanDot: 11) == .partial(delivered: 3, owed: 1))
        try journal.appendIntents([DotIntent(wireDot: 6, planDot: 11, strokes: 1)])
        try journal.appendOutcomes([DotReport(wireDot: 6, outcome: .completed, deliveredStrokes: 1)])
        #expect(journal.state.state(ofPlanDot: 11) == .done)
    }

    @Test("sends lost in a board restart stay uncertain, also when a later session has all its reports")
    func restartLosesReportsForGood() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let journal = try journal(directory)
        try journal.appendIntents([
            DotIntent(wireDot: 1, planDot: 10, strokes: 4), DotIntent(wireDot: 2, planDot: 11, strokes: 4),
            DotIntent(wireDot: 3, planDot: 12, strokes: 4),
        ])
        // The board restarted having completed wire dot 1; the reports of 2 and 3, if any, died with its RAM.
        try journal.appendSessionEvent(.boardReset(lastCompletedDot: 1))
        #expect(journal.state.state(ofPlanDot: 10) == .done)
        #expect(journal.state.sends[2]?.lostInBoardRestart == true)
        try journal.appendSessionEvent(.connected(sessionID: 9, lastCompletedDot: 1, pendingCompletions: 0))
        try journal.appendSessionEvent(.allReportsReceived)
        #expect(journal.state.uncertainDots == [11, 12])
        #expect(journal.state.sends[2]?.notAcceptedByBoard == false)
        // A send after the restart is settled by the next session's reports as usual.
        try journal.appendIntents([DotIntent(wireDot: 4, planDot: 13, strokes: 4)])
        try journal.appendSessionEvent(.allReportsReceived)
        #expect(journal.state.state(ofPlanDot: 13) == .neverSent)
        #expect(journal.state.uncertainDots == [11, 12])
    }

    @Test("reports re-sent after a reconnect are recorded once; a conflicting or unknown report is refused")
    func duplicateAndUnknownReports() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let journal = try journal(directory)
        try journal.appendIntents([DotIntent(wireDot: 1, planDot: 10, strokes: 4)])
        let report = DotReport(wireDot: 1, outcome: .completed, deliveredStrokes: 4)
        try journal.appendOutcomes([report])
        let size = try fileBytes(journal.path).count
        try journal.appendOutcomes([report, report])
        #expect(try fileBytes(journal.path).count == size)
        let conflicting = #expect(throws: JournalError.self) {
            try journal.appendOutcomes([DotReport(wireDot: 1, outcome: .interrupted, deliveredStrokes: 2)])
        }
        #expect(conflicting?.reason.contains("was already reported completed with 4 strokes") == true)
        let unknown = #expect(throws: JournalError.self) {
            try journal.appendOutcomes([DotReport(wireDot: 9, outcome: .completed, deliveredStrokes: 4)])
        }
        #expect(unknown?.reason == "not recorded: a report for wire dot 9, which was never sent in this run")
        let tooMany = #expect(throws: JournalError.self) {
            try journal.appendIntents([DotIntent(wireDot: 2, planDot: 11, strokes: 2)])
            try journal.appendOutcomes([DotReport(wireDot: 2, outcome: .completed, deliveredStrokes: 3)])
        }
        #expect(tooMany?.reason.contains("reported 3 strokes delivered; it was sent with 2") == true)
    }

    @Test("the board's last completed dot resolves that dot and no other")
    func lastCompletedDot() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let journal = try journal(directory)
        try journal.appendIntents((1...3).map { DotIntent(wireDot: $0, planDot: 100 + $0, strokes: 4) })
        try journal.appendSessionEvent(.boardReset(lastCompletedDot: 2))
        #expect(journal.state.state(ofPlanDot: 102) == .done)
        #expect(journal.state.uncertainDots == [101, 103])
        #expect(journal.state.sends[2]?.report == DotReport(wireDot: 2, outcome: .completed, deliveredStrokes: 4))
    }

    @Test("a run's wire ids start above the board's last completed dot, which may be an earlier run's")
    func wireIdsStartAboveTheBoardsLastCompletedDot() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let journal = try journal(directory)
        try journal.appendSessionEvent(.connected(sessionID: 1, lastCompletedDot: 500, pendingCompletions: 0))
        #expect(journal.state.nextWireDot == 501)
        let error = #expect(throws: JournalError.self) {
            try journal.appendIntents([DotIntent(wireDot: 1, planDot: 10, strokes: 4)])
        }
        #expect(error?.reason.hasSuffix("expected 501 or more") == true)
        try journal.appendIntents([DotIntent(wireDot: 501, planDot: 10, strokes: 4)])
    }

    @Test("after every re-sent report of a session without a board reset, unreported sends were never accepted")
    func allReportsReceived() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let journal = try journal(directory)
        try journal.appendIntents([
            DotIntent(wireDot: 1, planDot: 10, strokes: 4), DotIntent(wireDot: 2, planDot: 11, strokes: 4),
        ])
        try journal.appendOutcomes([DotReport(wireDot: 1, outcome: .interrupted, deliveredStrokes: 1)])
        try journal.appendIntents([DotIntent(wireDot: 3, planDot: 10, strokes: 3)])
        try journal.appendSessionEvent(.connected(sessionID: 7, lastCompletedDot: 0, pendingCompletions: 0))
        #expect(journal.state.uncertainDots == [10, 11])
        try journal.appendSessionEvent(.allReportsReceived)
        #expect(journal.state.uncertainDots.isEmpty)
        #expect(journal.state.state(ofPlanDot: 10) == .partial(delivered: 1, owed: 3))
        #expect(journal.state.state(ofPlanDot: 11) == .neverSent)
        #expect(journal.state.sends[2]?.notAcceptedByBoard == true)
    }

    @Test("an uncertain dot is sent again only after the operator's recorded redo; a skip is recorded with its reason")
    func operatorDecisions() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let journal = try journal(directory)
        try journal.appendIntents([DotIntent(wireDot: 1, planDot: 10, strokes: 4)])
        let notDecided = #expect(throws: JournalError.self) {
            try journal.appendIntents([DotIntent(wireDot: 2, planDot: 10, strokes: 4)])
        }
        #expect(notDecided?.reason.contains("uncertain") == true)
        let notUncertain = #expect(throws: JournalError.self) { try journal.appendDecision(.redo(planDot: 11)) }
        #expect(notUncertain?.reason == "not recorded: plan dot 11 is never sent; only an uncertain dot can be redone")
        try journal.appendDecision(.redo(planDot: 10))
        #expect(journal.state.state(ofPlanDot: 10) == .redoAuthorised(strokes: 4))
        try journal.appendIntents([DotIntent(wireDot: 2, planDot: 10, strokes: 4)])
        #expect(journal.state.state(ofPlanDot: 10) == .uncertain(wireDot: 2, strokes: 4))
        try journal.appendOutcomes([DotReport(wireDot: 2, outcome: .completed, deliveredStrokes: 4)])
        #expect(journal.state.state(ofPlanDot: 10) == .done)
        #expect(journal.state.conflicts.isEmpty)
        // The first send's report arriving now means the dot was needled twice: kept, and said.
        try journal.appendOutcomes([DotReport(wireDot: 1, outcome: .completed, deliveredStrokes: 4)])
        #expect(journal.state.conflicts.count == 1)

        try journal.appendDecision(.skip(planDot: 20, reason: "irritated skin"))
        #expect(journal.state.state(ofPlanDot: 20) == .skipped(reason: "irritated skin"))
        let reread = try Journal.read(at: journal.path)
        #expect(reread.state == journal.state)
    }

    @Test("a report for a dot whose redo was authorised but not yet sent cancels the redo")
    func lateReportCancelsRedo() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let journal = try journal(directory)
        try journal.appendIntents([DotIntent(wireDot: 1, planDot: 10, strokes: 4)])
        try journal.appendDecision(.redo(planDot: 10))
        try journal.appendOutcomes([DotReport(wireDot: 1, outcome: .completed, deliveredStrokes: 4)])
        #expect(journal.state.state(ofPlanDot: 10) == .done)
        #expect(journal.state.conflicts.isEmpty)
    }
}
