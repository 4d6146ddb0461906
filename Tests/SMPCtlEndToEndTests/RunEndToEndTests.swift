import Foundation
import Glibc
import SMPBoardSim
import SMPControl
import SMPHardware
import SMPJournal
import SMPSerial
import SMPSystem
import SMPWire
import Testing

/// `smpctl run` as a practitioner runs it, against `smpctl sim --pty`, judged by the simulator's truth (which names
/// dots by wire id) and the journal (which maps wire ids to plan dots). Examples/quick.json (72 dots) on the flat
/// pad: about 20 s of probing and 12 s of needling in wall time per run, so the tests run side by side.
@Suite("smpctl run against smpctl sim --pty, end to end")
struct RunEndToEndTests {
    static let planned = QuickPlan.dots.count

    @Test("a clean run: exit 0, every dot done, the summary's keys, every plan dot exactly its planned strokes")
    func cleanRun() throws {
        let world = try RunWorld()
        let result = try world.run()
        let (truth, _) = try world.stopSimulator()
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let summary = try #require(runSummary(result), "stdout: \(result.standardOutput)")
        #expect(
            Set(summary.keys) == [
                "format", "plan", "port", "journal", "outcome", "dots_planned", "dots_done", "dots_uncertain",
                "dots_skipped", "sessions", "reconnections", "machine_time_s", "estimated_time_s", "probing_time_s",
                "touch_offs", "dots_per_second", "travel_mm", "late_commands", "wire_bytes_per_dot", "faults",
                "not_done", "session_time_s", "depth_source", "depth_mm", "blowouts", "shallow", "regions", "events",
            ])
        #expect(summary["dots_planned"] as? Int == Self.planned)
        #expect(summary["dots_done"] as? Int == Self.planned)
        #expect(summary["journal"] as? String == world.journal)
        #expect((summary["outcome"] as? String)?.hasPrefix("finished") == true)
        let judgement = RunJudgement(truth: truth, journal: try Journal.read(at: world.journal))
        try #require(judgement.intents >= Self.planned, "the run sent \(judgement.intents) dots")
        #expect(judgement.notExactlyPlanned.isEmpty, "\(judgement.notExactlyPlanned)")
        #expect(judgement.unjournaledWireDots.isEmpty)
        #expect(judgement.doneCount == Self.planned)
    }

    @Test("byte corruption and frame loss: every dot done, none needled twice")
    func corruptionAndLoss() throws {
        let world = try RunWorld(faults: "corrupt=1e-3,drop=1e-2", seed: 7)
        let result = try world.run()
        let (truth, link) = try world.stopSimulator()
        #expect(result.status == 0, "stderr: \(result.standardError)")
        try #require(link.bitsFlipped > 0 && link.framesDropped > 0, "no fault was injected")
        let judgement = RunJudgement(truth: truth, journal: try Journal.read(at: world.journal))
        try #require(judgement.intents >= Self.planned)
        #expect(judgement.doneCount == Self.planned)
        #expect(judgement.notExactlyPlanned.isEmpty, "\(judgement.notExactlyPlanned)")
        #expect(judgement.unjournaledWireDots.isEmpty)
    }

    @Test("the host SIGKILLed while probing and while needling, resumed each time: every dot done, none twice")
    func killedAndResumed() throws {
        let world = try RunWorld(seed: 5)
        var generator = SeededGenerator(seed: 2026)
        // While probing: the journal exists, no dot has been sent yet.
        let first = try world.start()
        try #require(waitUntil(timeout: 30) { FileManager.default.fileExists(atPath: world.journal) })
        usleep(UInt32(Int.random(in: 500...6_000, using: &generator)) * 1_000)
        let intentsAtFirstKill = journaledIntents(at: world.journal)
        first.kill()
        #expect(intentsAtFirstKill == 0, "the first kill came after dots were sent")
        // While needling, in the resumed run: after a seeded number of dots were journaled, a seeded moment later.
        let resumed = try world.start(["--resume"])
        let target = Int.random(in: 5...50, using: &generator)
        try #require(
            waitUntil(timeout: 60) { journaledIntents(at: world.journal) >= target || !resumed.process.isRunning })
        usleep(UInt32(Int.random(in: 0...400, using: &generator)) * 1_000)
        try #require(resumed.process.isRunning, "the resumed run ended before it could be killed while needling")
        resumed.kill()
        var last = try world.run(["--resume"])
        var resumes = 1
        while last.status != 0 && resumes < 3 {
            last = try world.run(["--resume"])
            resumes += 1
        }
        let (truth, _) = try world.stopSimulator()
        #expect(last.status == 0, "stderr: \(last.standardError)")
        let journal = try Journal.read(at: world.journal)
        let judgement = RunJudgement(truth: truth, journal: journal)
        try #require(judgement.intents >= Self.planned)
        #expect(judgement.overNeedled.isEmpty, "needled twice: \(judgement.overNeedled)")
        #expect(judgement.unjournaledWireDots.isEmpty)
        // A host kill never leaves a dot uncertain: the board keeps its reports for the next session.
        #expect(judgement.doneCount == Self.planned, "uncertain: \(judgement.uncertain)")
        #expect(judgement.notExactlyPlanned.isEmpty, "\(judgement.notExactlyPlanned)")
        #expect(judgement.redone.isEmpty)
    }

    @Test("the link dead for 2 s while needling: the same run reconnects and finishes, exit 0")
    func disconnectAndReconnect() throws {
        // Link times are true time since the simulator started: needling runs from about 21 s to 33 s.
        let world = try RunWorld(faults: "disconnect=24s+2s", seed: 9)
        let result = try world.run()
        let (truth, _) = try world.stopSimulator()
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let summary = try #require(runSummary(result))
        #expect((summary["reconnections"] as? Int ?? 0) >= 1)
        let journal = try Journal.read(at: world.journal)
        let disconnected = try #require(
            journal.records.firstIndex { $0.entry == .session(.disconnected) }, "no disconnect was journaled")
        let intentsBefore = journal.records[..<disconnected].count {
            if case .intent = $0.entry { true } else { false }
        }
        #expect(intentsBefore > 0 && intentsBefore < Self.planned, "the disconnect was not during needling")
        let judgement = RunJudgement(truth: truth, journal: journal)
        #expect(judgement.doneCount == Self.planned)
        #expect(judgement.notExactlyPlanned.isEmpty, "\(judgement.notExactlyPlanned)")
        #expect(judgement.unjournaledWireDots.isEmpty)
    }

    @Test("a board reset mid-dot: exit 70 listing the uncertain dots; --resume --redo-uncertain needles exactly them")
    func boardResetThenRedo() throws {
        // The 40th of 72 dots, mid-dot, however long the host took to probe (a reset at a time could fall before
        // the first dot or after the last on a loaded machine).
        let world = try RunWorld(faults: "reset=dip#40", seed: 11)
        let first = try world.run()
        #expect(first.status == 70, "stderr: \(first.standardError)")
        let summary = try #require(runSummary(first), "stdout: \(first.standardOutput)")
        let notDone = try #require(summary["not_done"] as? [[String: Any]])
        let uncertainListed = Set(
            notDone.compactMap { $0["fate"] as? String == "uncertain" ? $0["dot_id"] as? Int : nil })
        try #require(!uncertainListed.isEmpty, "the reset left no dot uncertain: \(first.standardOutput)")
        #expect(notDone.allSatisfy { ($0["reason"] as? String)?.contains("no report from the board") == true })
        #expect(summary["dots_uncertain"] as? Int == uncertainListed.count)
        #expect(first.standardError.contains("--resume"))
        let afterReset = try Journal.read(at: world.journal)
        #expect(Set(afterReset.state?.uncertainDots.map(Int.init) ?? []) == uncertainListed)

        let redo = try world.run(["--resume", "--redo-uncertain"])
        let (truth, _) = try world.stopSimulator()
        #expect(redo.status == 0, "stderr: \(redo.standardError)")
        let journal = try Journal.read(at: world.journal)
        let judgement = RunJudgement(truth: truth, journal: journal)
        #expect(Set(judgement.redone.map(Int.init)) == uncertainListed, "the redo decisions are in the journal")
        #expect(judgement.doneCount == Self.planned)
        // Dots over their strokes can only be redone ones: the operator accepted that risk for each of them.
        #expect(Set(judgement.overNeedled).isSubset(of: judgement.redone), "\(judgement.overNeedled)")
        let others = judgement.notExactlyPlanned.filter { !judgement.redone.contains($0) }
        #expect(others.isEmpty, "dots not redone and not exactly planned: \(others)")
        #expect(judgement.unjournaledWireDots.isEmpty)
    }
}

/// Bad input to `smpctl run`: one line on stderr with its sysexits code, and the journal untouched.
@Suite("smpctl run refuses bad input, end to end")
struct RunRefusalTests {
    /// A journal as `smpctl run` creates one: for `plan` (default Examples/quick.json's dots), started on a board of
    /// the simulator's model with serial number `serial`. Returns its bytes.
    static func makeJournal(at path: String, plan: PlanHash = QuickPlan.dots.planHash, serial: String = "SIM-0001")
        throws -> Data
    {
        let journal = try Journal.create(
            at: path, plan: plan,
            board: BoardIdentity(
                model: "smp-driver-r1", serialNumber: serial, protocolVersion: WireSchema.protocolVersion),
            hostSoftware: "smpctl tests")
        journal.close()
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    static func expectOneLine(_ result: SMPCtlProcess.Result, status: Int32, containing text: String) {
        #expect(result.status == status, "stderr: \(result.standardError)")
        #expect(result.standardError.hasPrefix("smpctl: "), "stderr: \(result.standardError)")
        #expect(result.standardError.filter { $0 == "\n" }.count == 1, "stderr: \(result.standardError)")
        #expect(result.standardError.contains(text), "stderr: \(result.standardError)")
        #expect(result.standardOutput.isEmpty)
    }

    @Test("refusals, each one line with its code, the journal byte-identical")
    func refusals() async throws {
        let world = try RunWorld()
        let other = world.directory.appendingPathComponent("other.journal").path
        let otherBytes = try Self.makeJournal(at: other, plan: PlanHash.of(dotsFileContent: Array("other".utf8)))

        // Another plan's journal: 65, naming it.
        let otherPlan = try SMPCtlProcess.run(
            ["run", world.plan, "--port", world.simulator.devicePath, "--journal", other, "--resume"])
        Self.expectOneLine(otherPlan, status: 65, containing: "journal of another plan")
        #expect(try Data(contentsOf: URL(fileURLWithPath: other)) == otherBytes)

        // --resume with no journal: 66, and none is created.
        let missing = try SMPCtlProcess.run(["run", world.plan, "--port", world.simulator.devicePath, "--resume"])
        Self.expectOneLine(missing, status: 66, containing: world.journal)
        #expect(!FileManager.default.fileExists(atPath: world.journal))

        // A journal that exists, without --resume: 73.
        let existingBytes = try Self.makeJournal(at: world.journal)
        let existing = try SMPCtlProcess.run(["run", world.plan, "--port", world.simulator.devicePath])
        Self.expectOneLine(existing, status: 73, containing: "already exists")
        #expect(try Data(contentsOf: URL(fileURLWithPath: world.journal)) == existingBytes)

        // A board with another serial number than the journal's: 69, naming both.
        let foreign = world.directory.appendingPathComponent("foreign.journal").path
        let foreignBytes = try Self.makeJournal(at: foreign, serial: "SIM-0999")
        let otherBoard = try SMPCtlProcess.run(
            ["run", world.plan, "--port", world.simulator.devicePath, "--journal", foreign, "--resume"])
        Self.expectOneLine(otherBoard, status: 69, containing: "SIM-0999")
        #expect(otherBoard.standardError.contains("SIM-0001"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: foreign)) == foreignBytes)

        // A port that is not a board: 69.
        let notABoard = try SMPCtlProcess.run(["run", world.plan, "--port", "/dev/null", "--resume"])
        Self.expectOneLine(notABoard, status: 69, containing: "/dev/null: not a serial port")
        #expect(try Data(contentsOf: URL(fileURLWithPath: world.journal)) == existingBytes)

        // A port another connection holds: 69, busy.
        let pty = try PseudoTerminal()
        let holder = try SerialPort.open(pty.slavePath)
        let busy = try SMPCtlProcess.run(["run", world.plan, "--port", pty.slavePath, "--resume"])
        await holder.close()
        Self.expectOneLine(busy, status: 69, containing: "port is busy")
        #expect(try Data(contentsOf: URL(fileURLWithPath: world.journal)) == existingBytes)

        // Nothing of the refused runs reached the board.
        let (truth, _) = try world.stopSimulator()
        #expect(truth.dots.isEmpty)
    }
}
