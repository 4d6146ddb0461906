import Foundation
import Glibc
import Testing

@testable import SMPJournal

@Suite("Journal recovery")
struct JournalRecoveryTests {
    @Test("truncated at every byte offset, a journal recovers exactly the records before the cut")
    func truncationAtEveryOffset() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let original = directory.file("DOTS.journal")
        try writeRealisticJournal(at: original).close()
        let bytes = try fileBytes(original)
        let full = try Journal.read(at: original)
        try #require(full.damage == nil && full.records.count >= 250, "a realistic journal of a few hundred records")
        let ends = full.records.indices.map { $0 + 1 < full.records.count ? full.records[$0 + 1].offset : bytes.count }
        let states = try (0...full.records.count).map { try foldedState(full.records, count: $0) }

        // One copy, cut shorter and shorter: each cut is what a crash at that byte of the last append leaves.
        let copy = directory.file("copy.journal")
        try writeBytes(bytes, to: copy)
        let descriptor = open(copy, O_RDWR)
        try #require(descriptor >= 0)
        defer { close(descriptor) }
        var checked = 0
        for cut in stride(from: bytes.count - 1, through: 0, by: -1) {
            try #require(ftruncate(descriptor, off_t(cut)) == 0)
            let recovery = try Journal.read(at: copy)
            let whole = ends.firstIndex { $0 > cut } ?? full.records.count
            // The full comparison at each record's last byte; between, the count and the last record, which with
            // the sequence check of the reader pin the prefix.
            if ends.contains(cut + 1) || whole == 0 {
                #expect(recovery.records == Array(full.records[..<whole]), "cut at \(cut)")
            } else {
                #expect(recovery.records.count == whole, "cut at \(cut)")
                #expect(recovery.records.last == full.records[whole - 1], "cut at \(cut)")
            }
            #expect(recovery.soundLength == (whole == 0 ? 0 : ends[whole - 1]), "cut at \(cut)")
            #expect(recovery.state == states[whole], "cut at \(cut)")
            let isBoundary = recovery.soundLength == cut
            #expect((recovery.damage == nil) == isBoundary, "cut at \(cut)")
            #expect(recovery.damage?.soundRecordFollows != true, "cut at \(cut): a torn tail, not damage in place")
            checked += 1
        }
        #expect(checked == bytes.count)
    }

    @Test("after a torn tail, the next append cuts the garbage off and continues at the last sound record")
    func tornTailIsCutBeforeTheNextAppend() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("DOTS.journal")
        let journal = try Journal.create(at: path, plan: testPlan, board: testBoard, hostSoftware: "t")
        try journal.appendIntents([DotIntent(wireDot: 1, planDot: 10, strokes: 4)])
        journal.close()
        let sound = try fileBytes(path)
        // A torn append: half of a record of the same run.
        let torn = RecordFormat.encode(
            .outcome(DotReport(wireDot: 1, outcome: .completed, deliveredStrokes: 4)), sequence: 2,
            plan: testPlan, run: journal.state.header.run, timeMilliseconds: 0)
        try writeBytes(sound + torn.prefix(torn.count / 2), to: path)

        let resumed = try Journal.resume(at: path, plan: testPlan)
        let damage = try #require(resumed.recoveredDamage)
        #expect(damage.offset == sound.count && !damage.soundRecordFollows)
        #expect(resumed.state.state(ofPlanDot: 10) == .uncertain(wireDot: 1, strokes: 4))
        #expect(try fileBytes(path).count > sound.count, "opening alone changes nothing")
        try resumed.appendOutcomes([DotReport(wireDot: 1, outcome: .completed, deliveredStrokes: 4)])
        resumed.close()

        let reread = try Journal.read(at: path)
        #expect(reread.damage == nil)
        #expect(reread.records.count == 3)
        #expect(reread.state?.state(ofPlanDot: 10) == .done)
    }

    @Test("a flipped bit in any record is detected, and recovery stops before that record")
    func bitFlips() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("DOTS.journal")
        try writeRealisticJournal(at: path).close()
        let bytes = try fileBytes(path)
        let full = try Journal.read(at: path)
        try #require(full.records.count >= 250)
        var generator = SeededGenerator(seed: 12)
        var flips = 0
        for (index, record) in full.records.enumerated() {
            let end = index + 1 < full.records.count ? full.records[index + 1].offset : bytes.count
            // Every framing byte, and a few body bytes, each with one bit flipped.
            let positions =
                Array(record.offset..<(record.offset + 8))
                + (0..<4).map { _ in Int.random(in: (record.offset + 8)..<end, using: &generator) }
            for position in positions {
                var damaged = bytes
                damaged[position] ^= UInt8(1) << UInt8(position % 8)
                let recovery = try Journal.recover(damaged, path: path)
                #expect(recovery.records == Array(full.records[..<index]), "flip at \(position)")
                let damage = try #require(recovery.damage, "flip at \(position)")
                #expect(damage.offset == record.offset, "flip at \(position)")
                #expect(damage.soundRecordFollows == (index + 1 < full.records.count), "flip at \(position)")
                flips += 1
            }
        }
        #expect(flips == full.records.count * 12)

        // Damage in place is refused for appending, naming the file and the offset; the file is untouched.
        let middle = full.records[full.records.count / 2]
        var damaged = bytes
        damaged[middle.offset + 20] ^= 0x10
        try writeBytes(damaged, to: path)
        let error = #expect(throws: JournalError.self) { try Journal.resume(at: path, plan: testPlan) }
        #expect(error?.offset == middle.offset)
        #expect(error?.description.hasPrefix("\(path): offset \(middle.offset): checksum mismatch") == true)
        #expect(try fileBytes(path) == damaged)
    }

    @Test("another plan's journal is refused in one line, the file untouched")
    func anotherPlanIsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("DOTS.journal")
        try Journal.create(at: path, plan: otherPlan, board: testBoard, hostSoftware: "t").close()
        let before = try fileBytes(path)
        let error = #expect(throws: JournalError.self) { try Journal.resume(at: path, plan: testPlan) }
        #expect(
            error?.description
                == "\(path): offset 0: is the journal of another plan (plan hash \(otherPlan)); "
                + "expected plan hash \(testPlan)")
        #expect(try fileBytes(path) == before)
    }

    @Test("a journal of a newer format is refused in one line, naming the offset")
    func newerFormatIsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("DOTS.journal")
        var header = JournalHeader(format: 2, plan: testPlan, run: .random(), board: testBoard, hostSoftware: "t")
        var bytes = RecordFormat.encode(
            .header(header), sequence: 0, plan: testPlan, run: header.run, timeMilliseconds: 0)
        header.format = 1
        // A later record in some unknown layout: it must not matter, the header decides.
        bytes += [0xFF, 0xFF]
        try writeBytes(bytes, to: path)
        let expected =
            "\(path): offset 0: written in journal format 2, newer than this program reads; expected format 1 or older"
        let resumeError = #expect(throws: JournalError.self) { try Journal.resume(at: path, plan: testPlan) }
        #expect(resumeError?.description == expected)
        let readError = #expect(throws: JournalError.self) { try Journal.read(at: path) }
        #expect(readError?.description == expected)
        #expect(try fileBytes(path) == bytes)
    }

    @Test("a journal whose creation was cut short is refused for resume, saying no dot was sent under it")
    func cutShortCreation() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("DOTS.journal")
        try Journal.create(at: path, plan: testPlan, board: testBoard, hostSoftware: "t").close()
        let header = try fileBytes(path)
        try writeBytes(Array(header.prefix(header.count - 3)), to: path)
        let error = #expect(throws: JournalError.self) { try Journal.resume(at: path, plan: testPlan) }
        #expect(
            error?.description
                == "\(path): offset 0: holds no complete header (the record's \(header.count - 8) body bytes are cut "
                + "short): its creation was cut short and no dot was sent under it; remove it to start a new run")
    }

    @Test("a new run never takes over an existing journal; a missing one cannot be resumed")
    func existingAndMissingJournals() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("DOTS.journal")
        try Journal.create(at: path, plan: testPlan, board: testBoard, hostSoftware: "t").close()
        let before = try fileBytes(path)
        let existing = #expect(throws: JournalError.self) {
            try Journal.create(at: path, plan: testPlan, board: testBoard, hostSoftware: "t")
        }
        #expect(existing?.reason.hasPrefix("already exists: it is the journal of an earlier run") == true)
        #expect(try fileBytes(path) == before)
        let missing = #expect(throws: JournalError.self) {
            try Journal.resume(at: directory.file("none.journal"), plan: testPlan)
        }
        #expect(missing?.reason == "does not exist; there is no run to resume")
        let notFile = #expect(throws: JournalError.self) { try Journal.resume(at: directory.path, plan: testPlan) }
        #expect(notFile?.reason.contains("is a directory") == true)
    }

    @Test("a resumed run keeps its run id; another board is refused")
    func resumeKeepsTheRunAndTheBoard() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("DOTS.journal")
        let created = try Journal.create(at: path, plan: testPlan, board: testBoard, hostSoftware: "t")
        let run = created.state.header.run
        created.close()
        let resumed = try Journal.resume(at: path, plan: testPlan)
        #expect(resumed.state.header.run == run)
        try resumed.checkBoard(testBoard)
        let other = BoardIdentity(model: "smp-driver-r1", serialNumber: "SIM-0002", protocolVersion: 2)
        let error = #expect(throws: JournalError.self) { try resumed.checkBoard(other) }
        #expect(
            error?.description
                == "\(path): the run was started on smp-driver-r1 serial SIM-0001 (protocol 2); the board connected "
                + "is smp-driver-r1 serial SIM-0002 (protocol 2); expected the same board")
    }

    @Test("a second process cannot open a journal in use")
    func journalIsLocked() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("DOTS.journal")
        let first = try Journal.create(at: path, plan: testPlan, board: testBoard, hostSoftware: "t")
        let error = #expect(throws: JournalError.self) { try Journal.resume(at: path, plan: testPlan) }
        #expect(error?.reason.contains("in use by another process") == true)
        first.close()
        _ = try Journal.resume(at: path, plan: testPlan)
    }
}

/// SplitMix64: reproducible randomness for tests.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
