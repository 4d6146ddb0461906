import SMPChecksum
import Testing

@testable import SMPJournal

@Suite("Journal record format")
struct JournalFormatTests {
    @Test("SHA-256 matches the FIPS 180-4 examples")
    func sha256Vectors() {
        #expect(
            PlanHash.of(dotsFileContent: Array("abc".utf8)).description
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            PlanHash.of(dotsFileContent: [UInt8]()).description
                == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            PlanHash.of(dotsFileContent: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                .description == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("CRC-32C check value")
    func crcCheckValue() {
        let bytes = Array("123456789".utf8)
        #expect(CRC32C.checksum(bytes) == 0xE306_9283)
        // Continued over slices, as a record's check is (its length bytes, then its body).
        #expect(CRC32C.checksum(bytes[4..<9], seed: CRC32C.checksum(bytes[0..<4])) == 0xE306_9283)
    }

    @Test("every kind of record reads back as written")
    func roundTrip() throws {
        let header = JournalHeader(
            format: 1, plan: testPlan, run: RunID.random(), board: testBoard, hostSoftware: "smpctl 0.1.0")
        let entries: [JournalEntry] = [
            .header(header),
            .intent(DotIntent(wireDot: 7, planDot: 4_000_000_000, strokes: 12)),
            .outcome(DotReport(wireDot: 7, outcome: .interrupted, deliveredStrokes: 3)),
            .session(.connected(sessionID: 0xDEAD_BEEF, lastCompletedDot: 6, pendingCompletions: 2)),
            .session(.boardReset(lastCompletedDot: 6)),
            .session(.disconnected),
            .session(.allReportsReceived),
            .decision(.redo(planDot: 9)),
            .decision(.skip(planDot: 10, reason: "scar tissue — not today")),
            .end(.stopped, detail: "operator stop"),
        ]
        var bytes: [UInt8] = []
        for (index, entry) in entries.enumerated() {
            bytes += RecordFormat.encode(
                entry, sequence: UInt32(index), plan: header.plan, run: header.run, timeMilliseconds: 42)
        }
        var offset = 0
        for (index, entry) in entries.enumerated() {
            let frame = try RecordFormat.frame(in: bytes, at: offset).get()
            let common = RecordFormat.common(of: frame, in: bytes)
            #expect(common.sequence == UInt32(index))
            #expect(common.plan(in: bytes) == header.plan && common.run(in: bytes) == header.run)
            #expect(common.belongs(to: header.plan, header.run, in: bytes) && common.timeMilliseconds == 42)
            let decoded = try RecordFormat.entry(of: frame, kind: common.kind, common: common, in: bytes).get()
            #expect(decoded == entry)
            offset = frame.end
        }
        #expect(offset == bytes.count)
    }

    @Test("the default journal sits beside the dots file, or under the XDG state directory for standard input")
    func defaultLocation() {
        let environment = ["HOME": "/home/ana", "XDG_STATE_HOME": "/var/state/ana"]
        #expect(
            JournalLocation.defaultPath(forDotsFile: "clients/b/DOTS.json", plan: testPlan, environment: environment)
                == "clients/b/DOTS.journal")
        #expect(JournalLocation.defaultPath(forDotsFile: "plan", plan: testPlan, environment: [:]) == "plan.journal")
        #expect(
            JournalLocation.defaultPath(forDotsFile: "a/.json", plan: testPlan, environment: [:]) == "a/.json.journal")
        let prefix = String(testPlan.description.prefix(16))
        #expect(
            JournalLocation.defaultPath(forDotsFile: "-", plan: testPlan, environment: environment)
                == "/var/state/ana/smpctl/\(prefix).journal")
        #expect(
            JournalLocation.defaultPath(forDotsFile: "-", plan: testPlan, environment: ["HOME": "/home/ana"])
                == "/home/ana/.local/state/smpctl/\(prefix).journal")
        #expect(JournalLocation.defaultPath(forDotsFile: "-", plan: testPlan, environment: [:]) == nil)
    }
}
