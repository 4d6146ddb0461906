import Foundation
import Glibc
import SMPBoardSim
import SMPControl
import SMPJournal
import SMPPlanning

/// `smpctl run` (or another `command`) started in the background, so that a test can kill it, or what it talks to,
/// at a moment of its choosing. Its output goes to files (no pipe to fill); after `timeout` seconds it gets
/// SIGTERM, so that a run that hangs fails the test instead of blocking it.
final class RunProcess: @unchecked Sendable {
    let process: Process
    private let outputFile: URL
    private let errorFile: URL
    private let watchdog: DispatchWorkItem

    init(command: String = "run", arguments: [String], in directory: URL, timeout: TimeInterval = 150) throws {
        process = Process()
        process.executableURL = SMPCtlProcess.executable
        process.arguments = [command] + arguments
        process.currentDirectoryURL = SMPCtlProcess.repositoryRoot
        let name = UUID().uuidString
        outputFile = directory.appendingPathComponent("run-\(name).out")
        errorFile = directory.appendingPathComponent("run-\(name).err")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        watchdog = DispatchWorkItem { [process] in if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
    }

    /// SIGKILL: the host dies without closing anything, as in a crash or a power cut.
    func kill() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        watchdog.cancel()
    }

    /// Waits for the end; exit status (-9 after SIGKILL) and output.
    func wait() -> SMPCtlProcess.Result {
        process.waitUntilExit()
        watchdog.cancel()
        let status =
            process.terminationReason == .uncaughtSignal ? -process.terminationStatus : process.terminationStatus
        return SMPCtlProcess.Result(
            status: status,
            standardOutput: (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "",
            standardError: (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "")
    }
}

/// One patient's session as a practitioner runs it: a folder with the plan (Examples/quick.json copied into it, so
/// that its default journal lands there), the simulator serving the board with its truth file, and `smpctl run`
/// started against it as often as it takes.
final class RunWorld: @unchecked Sendable {
    let directory: URL
    let plan: String
    let simulator: SimulatorProcess
    let truthPath: String

    /// The default journal: beside the plan.
    var journal: String { directory.appendingPathComponent("quick.journal").path }

    init(faults: String = "", seed: UInt64 = 1, surface: String = "flat") throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("smpctl-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        plan = directory.appendingPathComponent("quick.json").path
        try FileManager.default.copyItem(
            atPath: SMPCtlProcess.repositoryRoot.appendingPathComponent("Examples/quick.json").path, toPath: plan)
        truthPath = directory.appendingPathComponent("truth.json").path
        var arguments = ["--truth", truthPath, "--json", "--seed", "\(seed)", "--surface", surface]
        if !faults.isEmpty { arguments += ["--faults", faults] }
        simulator = try SimulatorProcess.start(arguments: arguments)
    }

    deinit {
        simulator.terminate()
        try? FileManager.default.removeItem(at: directory)
    }

    /// `smpctl run PLAN --port SIM --json` plus `extra`, in the background.
    func start(_ extra: [String] = []) throws -> RunProcess {
        try RunProcess(arguments: [plan, "--port", simulator.devicePath, "--json"] + extra, in: directory)
    }

    /// `smpctl run` to its end.
    func run(_ extra: [String] = []) throws -> SMPCtlProcess.Result {
        try start(extra).wait()
    }

    /// Stops the simulator (SIGTERM) and reads what really happened: its truth file and its summary.
    func stopSimulator() throws -> (truth: SimulationTruth, link: SimulatorLink) {
        let summary = simulator.stop()
        let report = try JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Any]
        return (try SimulationTruth.load(from: truthPath), SimulatorLink(report: report ?? [:]))
    }
}

/// The link faults the simulator injected, from its `--json` summary (both directions summed).
struct SimulatorLink {
    var bitsFlipped = 0
    var framesDropped = 0
    /// True time the simulator served, since it started (µs): the clock of its `disconnect` windows.
    var servedMicros: UInt64 = 0

    init(report: [String: Any]) {
        let link = report["link"] as? [String: Any] ?? [:]
        servedMicros = UInt64(link["true_time_micros"] as? Int ?? 0)
        for direction in ["host_to_board", "board_to_host"] {
            let counters = link[direction] as? [String: Any] ?? [:]
            bitsFlipped += counters["bits_flipped"] as? Int ?? 0
            framesDropped += counters["frames_dropped"] as? Int ?? 0
        }
    }
}

/// The plan's dots as `smpctl run` computes them from Examples/quick.json.
enum QuickPlan {
    static let dots: [ControlDot] = {
        let url = SMPCtlProcess.repositoryRoot.appendingPathComponent("Examples/quick.json")
        // The example is checked in and valid; a failure here is a broken checkout.
        let loaded = try! PlanLoader.load(contentsOf: url, displayName: "quick.json")
        return ControlDot.dots(of: try! Planner.run(loaded))
    }()
}

/// A run judged by what really happened (the simulator's truth, which names dots by wire id) and by the journal
/// (which maps each wire id to its plan dot).
struct RunJudgement {
    /// Strokes each plan dot should get, and the strokes the board really counted for it over all its wire ids.
    var plannedStrokes: [UInt32: Int] = [:]
    var countedStrokes: [UInt32: Int] = [:]
    /// Plan dots whose counted strokes exceed the plan: needled twice (or more).
    var overNeedled: [UInt32] = []
    /// Wire dots that the board counted strokes for and that no journaled intent names: sent without an intent.
    var unjournaledWireDots: [UInt32] = []
    /// Plan dots the operator chose to redo (`--redo-uncertain`), from the journal's decisions.
    var redone: Set<UInt32> = []
    /// Each plan dot's state as the journal reconciles it.
    var states: [UInt32: DotState] = [:]
    /// Intents in the journal (sends of the run).
    var intents = 0

    init(dots: [ControlDot] = QuickPlan.dots, truth: SimulationTruth, journal: JournalRecovery) {
        var planOfWire: [UInt32: UInt32] = [:]
        for record in journal.records {
            switch record.entry {
            case .intent(let intent):
                planOfWire[intent.wireDot] = intent.planDot
                intents += 1
            case .decision(.redo(let planDot)): redone.insert(planDot)
            default: break
            }
        }
        for dot in dots {
            let id = UInt32(dot.motion.id)
            plannedStrokes[id] = dot.motion.strokes
            countedStrokes[id] = 0
            if let state = journal.state { states[id] = state.state(ofPlanDot: id) }
        }
        for dot in truth.dots where dot.strokesCounted > 0 {
            guard let planDot = planOfWire[dot.dotID] else {
                unjournaledWireDots.append(dot.dotID)
                continue
            }
            countedStrokes[planDot, default: 0] += dot.strokesCounted
        }
        overNeedled = plannedStrokes.keys.sorted().filter { countedStrokes[$0, default: 0] > plannedStrokes[$0]! }
    }

    /// Plan dots whose counted strokes differ from the plan (too many or too few).
    var notExactlyPlanned: [UInt32] {
        plannedStrokes.keys.sorted().filter { countedStrokes[$0, default: 0] != plannedStrokes[$0]! }
    }

    var doneCount: Int { states.values.count { $0 == .done } }
    var uncertain: [UInt32] {
        states.keys.sorted().filter { if case .uncertain = states[$0]! { true } else { false } }
    }
}

/// Reads the journal of a run that may still be writing it (read-only, no lock): the intents so far.
func journaledIntents(at path: String) -> Int {
    guard let recovery = try? Journal.read(at: path) else { return 0 }
    return recovery.records.count { if case .intent = $0.entry { true } else { false } }
}

/// The summary `smpctl run --json` printed.
func runSummary(_ result: SMPCtlProcess.Result) -> [String: Any]? {
    try? JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
}

/// Waits until `condition` holds, checking every 50 ms, at most `timeout` seconds; whether it held.
func waitUntil(timeout: TimeInterval, _ condition: () -> Bool) -> Bool {
    let end = Date().addingTimeInterval(timeout)
    while Date() < end {
        if condition() { return true }
        usleep(50_000)
    }
    return condition()
}
