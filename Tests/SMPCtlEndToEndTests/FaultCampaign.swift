import Foundation
import Glibc
import SMPBoardSim
import SMPHardware
import SMPJournal
import Synchronization
import Testing

/// The fault campaign behind scripts/fault-campaign.sh: many seeded sessions of `smpctl sim --pty` and `smpctl run`
/// with byte corruption, frame loss, disconnects, board resets and host SIGKILLs, each resumed until done and judged
/// by the simulator's truth and the journal. Off unless `SMPCTL_FAULT_CAMPAIGN` names the number of sessions: it
/// takes minutes, not the suite's seconds (RunEndToEndTests is its short sample).
///
/// Environment: `SMPCTL_FAULT_CAMPAIGN` sessions; `SMPCTL_FAULT_CAMPAIGN_FIRST_SEED` (default 1);
/// `SMPCTL_FAULT_CAMPAIGN_PARALLEL` sessions at once (default 8: they wait in wall time; a run takes 0.3 s of CPU);
/// `SMPCTL_FAULT_CAMPAIGN_LINK` the link faults of every session (default `corrupt=2e-3,drop=5e-2`);
/// `SMPCTL_FAULT_CAMPAIGN_OUTPUT` a file for the figures as JSON.
@Suite("fault campaign (scripts/fault-campaign.sh)")
struct FaultCampaign {
    static let environment = ProcessInfo.processInfo.environment
    static let sessions = environment["SMPCTL_FAULT_CAMPAIGN"].flatMap { Int($0) }

    @Test(.enabled(if: sessions != nil, "set SMPCTL_FAULT_CAMPAIGN=SESSIONS (scripts/fault-campaign.sh)"))
    func campaign() throws {
        let count = try #require(Self.sessions)
        let firstSeed = Self.environment["SMPCTL_FAULT_CAMPAIGN_FIRST_SEED"].flatMap { UInt64($0) } ?? 1
        let parallel = max(1, Self.environment["SMPCTL_FAULT_CAMPAIGN_PARALLEL"].flatMap { Int($0) } ?? 8)
        let link = Self.environment["SMPCTL_FAULT_CAMPAIGN_LINK"] ?? "corrupt=2e-3,drop=5e-2"
        let started = Date()
        let results = Mutex<[CampaignSession.Result]>([])
        let next = Atomic<Int>(0)
        let group = DispatchGroup()
        for _ in 0..<min(parallel, count) {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                while true {
                    let index = next.add(1, ordering: .relaxed).oldValue
                    guard index < count else { return }
                    let session = CampaignSession(seed: firstSeed + UInt64(index), link: link)
                    let result = session.run()
                    results.withLock { $0.append(result) }
                    // Unbuffered, so that a long campaign shows its progress as it goes.
                    FileHandle.standardError.write(Data("campaign: \(result.line)\n".utf8))
                }
            }
        }
        group.wait()
        let all = results.withLock { $0 }.sorted { $0.seed < $1.seed }
        let totals = CampaignTotals(all, seconds: Date().timeIntervalSince(started), link: link, parallel: parallel)
        for line in totals.lines { print(line) }
        if let output = Self.environment["SMPCTL_FAULT_CAMPAIGN_OUTPUT"] {
            try totals.json().write(to: URL(fileURLWithPath: output))
        }
        #expect(all.count == count)
        let broken = all.filter { !$0.problems.isEmpty }
        #expect(broken.isEmpty, "\(broken.map(\.line).joined(separator: "\n"))")
    }
}

/// One seeded session of the campaign: its faults and kills are drawn from the seed.
struct CampaignSession {
    let seed: UInt64
    let faults: String
    /// Host kills, in order: while probing (this long after the run started, ms) or while needling (after this many
    /// more dots were journaled).
    let kills: [Kill]

    enum Kill {
        case probing(milliseconds: Int)
        case needling(intents: Int)
    }

    init(seed: UInt64, link: String) {
        self.seed = seed
        var generator = SeededGenerator(seed: seed, stream: "campaign")
        var items = link.isEmpty ? [] : [link]
        // Link and board times are since the simulator started: the first run probes until about 21 s and needles
        // until about 33 s; a resumed run probes again, so later times fall in its probing or needling.
        for _ in 0..<Int.random(in: 0...2, using: &generator) {
            let at = Int.random(in: 15_000...45_000, using: &generator)
            // 300 ms trips only the board's watchdog; 1.5 s and 3 s also the host's 1 s silence limit.
            let length = [300, 1_500, 3_000][Int.random(in: 0...2, using: &generator)]
            items.append("disconnect=\(at)ms+\(length)ms")
        }
        if Int.random(in: 0..<3, using: &generator) == 0 {
            items.append("reset=\(Int.random(in: 18_000...40_000, using: &generator))ms")
        }
        faults = items.joined(separator: ",")
        kills = (0..<Int.random(in: 0...2, using: &generator)).map { _ in
            Bool.random(using: &generator)
                ? .probing(milliseconds: Int.random(in: 500...12_000, using: &generator))
                : .needling(intents: Int.random(in: 3...40, using: &generator))
        }
    }

    struct Result {
        var seed: UInt64
        var faults: String
        var bitsFlipped = 0
        var framesDropped = 0
        var disconnects = 0
        var resets = 0
        var hostKills = 0
        var runs = 0
        var planned = 0
        var done = 0
        var uncertain = 0
        /// Plan dots over their strokes that the operator did not redo (must be none), and redone ones over them.
        var neededTwice = 0
        var redoneOver = 0
        var redone = 0
        /// Runs that ended short for a reason of their own (not a kill), by their outcome.
        var shortRuns: [String] = []
        var problems: [String] = []

        var line: String {
            "seed \(seed) [\(faults)]: \(bitsFlipped) flips, \(framesDropped) drops, \(disconnects) disconnects, "
                + "\(resets) resets, \(hostKills) kills; \(runs) runs; \(done)/\(planned) done, \(uncertain) "
                + "uncertain, \(neededTwice) twice, \(redone) redone (\(redoneOver) over)"
                + (problems.isEmpty ? "" : "; PROBLEMS: \(problems.joined(separator: "; "))")
        }
    }

    func run() -> Result {
        var result = Result(seed: seed, faults: faults)
        do {
            try run(into: &result)
        } catch {
            result.problems.append("\(error)")
        }
        return result
    }

    private func run(into result: inout Result) throws {
        let world = try RunWorld(faults: faults, seed: seed)
        var resume: [String] = []
        for kill in kills {
            let process = try world.start(resume)
            result.runs += 1
            switch kill {
            case .probing(let milliseconds):
                _ = waitUntil(timeout: Double(milliseconds) / 1000) { !process.process.isRunning }
            case .needling(let more):
                let target = journaledIntents(at: world.journal) + more
                _ = waitUntil(timeout: 90) {
                    journaledIntents(at: world.journal) >= target || !process.process.isRunning
                }
            }
            if process.process.isRunning {
                process.kill()
                result.hostKills += 1
            } else {
                let ended = process.wait()
                if ended.status != 0 { result.shortRuns.append(runSummary(ended)?["outcome"] as? String ?? "?") }
                if ended.status == 0 { break }
            }
            // Killed before the journal was created: the next run starts afresh.
            resume = FileManager.default.fileExists(atPath: world.journal) ? ["--resume"] : []
        }
        var last = try world.run(resume)
        var lastWasPlainResume = resume == ["--resume"]
        result.runs += 1
        while last.status != 0 && result.runs < 12 {
            result.shortRuns.append(runSummary(last)?["outcome"] as? String ?? "exit \(last.status)")
            if last.status == 74 {
                // No board answered (the link was down when the run started): the operator tries again.
                usleep(1_000_000)
                let again = FileManager.default.fileExists(atPath: world.journal) ? ["--resume"] : []
                last = try world.run(again)
                lastWasPlainResume = !again.isEmpty
                result.runs += 1
                continue
            }
            guard last.status == 70 else {
                result.problems.append("exit \(last.status): \(last.standardError.prefix(300))")
                break
            }
            // A plain resume first settles what the board still reports; dots that stay uncertain after it were
            // lost in a board restart, and the operator chooses to needle them again.
            let state = try Journal.read(at: world.journal).state
            let redo = lastWasPlainResume && !(state?.uncertainDots.isEmpty ?? true)
            last = try world.run(["--resume"] + (redo ? ["--redo-uncertain"] : []))
            lastWasPlainResume = !redo
            result.runs += 1
        }
        if last.status != 0 { result.problems.append("not finished after \(result.runs) runs") }
        let (truth, link) = try world.stopSimulator()
        let journal = try Journal.read(at: world.journal)
        let judgement = RunJudgement(truth: truth, journal: journal)
        result.bitsFlipped = link.bitsFlipped
        result.framesDropped = link.framesDropped
        result.resets = truth.summary.boardResets
        let windows = (try? FaultPlan(parsing: faults).disconnects) ?? []
        result.disconnects = windows.count { $0.start < link.servedMicros }
        result.planned = judgement.plannedStrokes.count
        result.done = judgement.doneCount
        result.uncertain = judgement.uncertain.count
        result.redone = judgement.redone.count
        result.neededTwice = judgement.overNeedled.count { !judgement.redone.contains($0) }
        result.redoneOver = judgement.overNeedled.count { judgement.redone.contains($0) }
        if result.neededTwice > 0 {
            result.problems.append(
                "needled twice without a redo: \(judgement.overNeedled.filter { !judgement.redone.contains($0) })")
        }
        if !judgement.unjournaledWireDots.isEmpty {
            result.problems.append("wire dots needled without an intent: \(judgement.unjournaledWireDots)")
        }
        let short = judgement.notExactlyPlanned.filter {
            judgement.countedStrokes[$0, default: 0] < judgement.plannedStrokes[$0]!
        }
        if !short.isEmpty { result.problems.append("dots short of their strokes: \(short)") }
        if result.done != result.planned { result.problems.append("\(result.planned - result.done) dots not done") }
    }
}

/// The campaign's figures.
struct CampaignTotals: Encodable {
    var sessions = 0
    var seconds = 0.0
    var parallel = 0
    var link = ""
    var bitsFlipped = 0
    var framesDropped = 0
    var disconnects = 0
    var resets = 0
    var hostKills = 0
    var injectedFaults = 0
    var runs = 0
    var dotsPlanned = 0
    var dotsDone = 0
    var dotsUncertain = 0
    var dotsNeedledTwice = 0
    var dotsRedone = 0
    var redoneDotsOverPlanned = 0
    var shortRunOutcomes: [String: Int] = [:]
    var sessionsWithProblems = 0

    init(_ results: [CampaignSession.Result], seconds: Double, link: String, parallel: Int) {
        sessions = results.count
        self.seconds = seconds
        self.parallel = parallel
        self.link = link
        for result in results {
            bitsFlipped += result.bitsFlipped
            framesDropped += result.framesDropped
            disconnects += result.disconnects
            resets += result.resets
            hostKills += result.hostKills
            runs += result.runs
            dotsPlanned += result.planned
            dotsDone += result.done
            dotsUncertain += result.uncertain
            dotsNeedledTwice += result.neededTwice
            dotsRedone += result.redone
            redoneDotsOverPlanned += result.redoneOver
            for outcome in result.shortRuns {
                // "stopped: board fault late_command at wire dot 1 (value 12345)" -> "stopped: board fault late_command"
                let kind = outcome.split(separator: " at wire dot").first.map(String.init) ?? outcome
                shortRunOutcomes[kind.split(separator: " (value").first.map(String.init) ?? kind, default: 0] += 1
            }
            if !result.problems.isEmpty { sessionsWithProblems += 1 }
        }
        injectedFaults = bitsFlipped + framesDropped + disconnects + resets + hostKills
    }

    var lines: [String] {
        [
            "campaign: \(sessions) sessions in \(Int(seconds)) s (\(parallel) at once), \(runs) runs of smpctl run; "
                + "link faults \(link)",
            "injected: \(injectedFaults) faults: \(bitsFlipped) corrupted bytes, \(framesDropped) dropped frames, "
                + "\(disconnects) disconnects, \(resets) board resets, \(hostKills) host SIGKILLs",
            "dots: \(dotsPlanned) planned, \(dotsDone) done, \(dotsUncertain) uncertain, \(dotsNeedledTwice) needled "
                + "twice; \(dotsRedone) redone by the operator (\(redoneDotsOverPlanned) of them over their strokes)",
            "runs that ended short (then resumed): "
                + (shortRunOutcomes.isEmpty
                    ? "none"
                    : shortRunOutcomes.sorted { $0.key < $1.key }.map { "\($0.value)x \($0.key)" }
                        .joined(separator: "; ")),
            "sessions with problems: \(sessionsWithProblems)",
        ]
    }

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(self)
    }
}
