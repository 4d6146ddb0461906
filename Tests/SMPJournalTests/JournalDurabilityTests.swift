import Glibc
import SMPSystem
import Testing

@testable import SMPJournal

@Suite("Journal durability")
struct JournalDurabilityTests {
    @Test("an append writes once and syncs once, before it returns; a train's intents share the sync")
    func oneWriteAndOneSyncPerAppend() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let faults = FaultInjection()
        try FaultInjection.$current.withValue(faults) {
            let journal = try Journal.create(
                at: directory.file("DOTS.journal"), plan: testPlan, board: testBoard, hostSoftware: "t")
            #expect(faults.recordedCalls == ["open", "flock", "pwrite", "fdatasync", "open", "fsync", "close"])
            let before = faults.recordedCalls.count
            try journal.appendIntents((1...16).map { DotIntent(wireDot: $0, planDot: $0, strokes: 4) })
            #expect(Array(faults.recordedCalls[before...]) == ["pwrite", "fdatasync"])
        }
    }

    @Test(
        "a failed write or sync is reported, the state does not claim the record, and nothing more is appended",
        arguments: [("pwrite", ENOSPC), ("fdatasync", EIO)])
    func failedAppend(operation: String, errorNumber: Int32) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("DOTS.journal")
        let journal = try Journal.create(at: path, plan: testPlan, board: testBoard, hostSoftware: "t")
        try journal.appendIntents([DotIntent(wireDot: 1, planDot: 10, strokes: 4)])
        let stateBefore = journal.state
        let bytesBefore = try fileBytes(path)

        let faults = FaultInjection()
        faults.fail(operation, errorNumber: errorNumber, times: 1)
        let error = FaultInjection.$current.withValue(faults) {
            #expect(throws: JournalError.self) {
                try journal.appendIntents([DotIntent(wireDot: 2, planDot: 11, strokes: 4)])
            }
        }
        let message = String(cString: strerror(errorNumber))
        #expect(error?.description == "\(path): cannot append: \(message)")
        #expect(journal.state == stateBefore)
        #expect(journal.state.state(ofPlanDot: 11) == .neverSent)
        #expect(faults.recordedCalls.contains("ftruncate"), "what may have been written is cut back")
        #expect(try fileBytes(path) == bytesBefore)

        let later = #expect(throws: JournalError.self) {
            try journal.appendOutcomes([DotReport(wireDot: 1, outcome: .completed, deliveredStrokes: 4)])
        }
        #expect(later?.reason.hasPrefix("no longer appended to: an earlier append failed") == true)
        #expect(try fileBytes(path) == bytesBefore)
        journal.close()
        let reread = try Journal.read(at: path)
        #expect(reread.damage == nil && reread.state == stateBefore)
    }

    @Test("a failed creation leaves no file")
    func failedCreation() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("DOTS.journal")
        let faults = FaultInjection()
        faults.fail("fdatasync", errorNumber: EIO, times: 1)
        let error = FaultInjection.$current.withValue(faults) {
            #expect(throws: JournalError.self) {
                try Journal.create(at: path, plan: testPlan, board: testBoard, hostSoftware: "t")
            }
        }
        #expect(error?.description == "\(path): cannot be written: Input/output error")
        #expect(access(path, F_OK) == -1)
    }

    @Test("an entry the state refuses is not written at all, even as part of a batch")
    func refusedBatchWritesNothing() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("DOTS.journal")
        let journal = try Journal.create(at: path, plan: testPlan, board: testBoard, hostSoftware: "t")
        try journal.appendIntents([DotIntent(wireDot: 1, planDot: 10, strokes: 4)])
        let before = try fileBytes(path)
        let error = #expect(throws: JournalError.self) {
            try journal.appendIntents([
                DotIntent(wireDot: 2, planDot: 11, strokes: 4), DotIntent(wireDot: 3, planDot: 10, strokes: 4),
            ])
        }
        #expect(
            error?.reason
                == "not recorded: plan dot 10 is uncertain (wire dot 1 sent, no outcome); "
                + "sending it would risk needling it twice")
        #expect(try fileBytes(path) == before)
        #expect(journal.state.state(ofPlanDot: 11) == .neverSent)
        // The journal stays usable: a refusal is not a write failure.
        try journal.appendIntents([DotIntent(wireDot: 2, planDot: 11, strokes: 4)])
    }
}
