import ArgumentParser
import Foundation
import SMPBoardSim
import SMPHardware

/// `smpctl sim --pty`: serves the simulated board on a pseudo-terminal until SIGINT or SIGTERM.
struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run the simulated SMP driver board on a pseudo-terminal.",
        discussion: """
            Prints the device path (e.g. /dev/pts/7) as the first line of stdout, then serves protocol v1 on it in \
            wall time until SIGINT or SIGTERM. Then prints a summary (--json: one JSON document) and, with --truth, \
            writes the ground truth (every stroke, deposit depth, too-deep / too-shallow flags) as JSON so that a \
            run over a real port can be graded afterwards. The truth never crosses the wire.

            Skin types: fitzpatrick-1-3, fitzpatrick-4-6, thin, thick-oily, scar (keloid is refused).

            --faults takes comma-separated key=value items, deterministic by --seed; \
            durations need a unit (us, ms, s, min):
              corrupt=P       flip one bit of each link byte with probability P
              drop=P          lose each link frame with probability P
              dup=P           deliver each link frame twice with probability P
              delay=D         one-way link latency
              jitter=D        extra latency, uniform in 0..D (order kept)
              disconnect=T+D  link dead from board time T for D (repeatable)
              reset=T         board browns out and restarts at T (repeatable)
              stall=T+D       motor jams at T for D (repeatable)
              lose=TYPE#N     lose the N-th frame carrying TYPE (dot_train, completions, ...), once (repeatable)
              noise=N         load-sensor noise, sigma in newtons (default 0.002)
            Example: --faults "corrupt=1e-4,drop=1e-3,disconnect=30s+2s,reset=120s"
            """)

    @Flag(name: .long, help: "Serve on a pseudo-terminal (the only mode; dry runs use the in-process bench).")
    var pty = false

    @OptionGroup var hardware: HardwareOptions

    @Option(name: .long, help: "Board definition file (default: smp-driver-r1/board.json of the hardware directory).")
    var board: String?

    @Option(
        name: .long, help: "Handpiece definition file (default: handpieces/rotary-r1.json of the hardware directory).")
    var handpiece: String?

    @Option(name: .long, help: "Skin type of the simulated patient.")
    var skin = SkinType.fitzpatrick1to3.rawValue

    @Option(name: .long, help: "Scalp surface: curved (default) or flat.")
    var surface = SimulatedPatient.Surface.curved.rawValue

    @Option(name: .long, parsing: .unconditional, help: "Seed for the patient, sensor noise and faults (0-2^64-1).")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Faults to inject (see above).")
    var faults = ""

    @Option(
        name: .long,
        help: "Write the ground truth as JSON to this file when stopped (checked at start; - for stdout).")
    var truth: String?

    @Flag(name: .long, help: "Print the summary as JSON.")
    var json = false

    func run() throws {
        guard pty else {
            throw CommandFailure(
                .usage, "--pty: required (the simulator runs on a pseudo-terminal; dry runs use the in-process bench)")
        }
        if let truth { try CommandFiles.checkOutput(truth) }
        let boardFile: String
        let handpieceFile: String
        // With both files named and no --hardware, nothing needs the directory; an explicit --hardware is always
        // checked, so that a wrong one is an error, not ignored.
        if let board, let handpiece, hardware.directory == nil {
            (boardFile, handpieceFile) = (board, handpiece)
        } else {
            let location = try hardware.locate()
            boardFile = board ?? location.boardFile(model: BoardDefinition.r1.model)
            handpieceFile = handpiece ?? location.handpieceFile(model: HandpieceDefinition.rotaryR1.model)
        }
        try CommandFiles.checkInput(boardFile, expected: "a board definition (JSON)")
        try CommandFiles.checkInput(handpieceFile, expected: "a handpiece definition (JSON)")
        let setup: SimulationSetup
        do {
            let skinType = try SkinType(parsing: skin)
            guard let surfaceShape = SimulatedPatient.Surface(rawValue: surface) else {
                throw SimulatorInputError(
                    .usage, source: "--surface", field: surface, reason: "expected curved or flat")
            }
            let plan = try FaultPlan(parsing: faults)
            setup = SimulationSetup(
                board: try BoardDefinition.load(from: boardFile),
                handpiece: try HandpieceDefinition.load(from: handpieceFile),
                skinType: skinType, surface: surfaceShape, seed: seed, faults: plan, faultSpec: faults)
        } catch let error as SimulatorInputError {
            throw CommandFailure(error.kind == .usage ? .usage : .dataError, error.description)
        } catch let error as HardwareDefinitionError {
            throw CommandFailure(hardware: error)
        }

        let runner: PTYBoardRunner
        do {
            runner = try PTYBoardRunner(setup: setup)
        } catch {
            throw CommandFailure(.unavailable, error.description)
        }
        // Signals first: the path line tells scripts the board is ready, and they may stop it at once.
        runner.stopOnTerminationSignals()
        Output.line(runner.terminal.slavePath)
        Output.diagnostic("smpctl sim: serving \(setup.board.model) on \(runner.terminal.slavePath); Ctrl-C to stop")

        var simulated = SimulatedBoard(setup: setup)
        do {
            try runner.run(&simulated)
        } catch {
            throw CommandFailure(.ioError, error.description)
        }
        runner.terminal.close()

        let truthRecord = simulated.truth()
        // A truth that cannot be written at the stop (the disk filled during the session) still leaves the
        // summary printed; the failure is reported after it.
        var truthFailure: CommandFailure?
        if let truth {
            do {
                try CommandFiles.write(try truthRecord.jsonData(), to: truth)
            } catch let failure as CommandFailure {
                truthFailure = failure
            }
        }
        let report = SimRunReport(
            device: runner.terminal.slavePath, truthFile: truthFailure == nil ? truth : nil,
            truthWriteFailed: truthFailure != nil, summary: truthRecord.summary, link: runner.statistics)
        // With --truth -, the truth is stdout; the summary goes to stderr so that the two do not mix.
        let summaryOnStderr = CommandFiles.isStandardOutput(truth)
        if json {
            try Output.json(report, toStandardError: summaryOnStderr)
        } else {
            for line in report.lines {
                if summaryOnStderr { Output.diagnostic(line) } else { Output.line(line) }
            }
        }
        if let truthFailure { throw truthFailure }
    }
}

/// What `smpctl sim` prints when it stops.
struct SimRunReport: Encodable {
    let device: String
    let truthFile: String?
    /// --truth was given but the file could not be written; the error follows the summary.
    let truthWriteFailed: Bool
    let summary: SimulationSummary
    let link: PTYBoardRunner.Statistics

    var lines: [String] {
        let seconds = Double(summary.boardTimeMicros) / 1_000_000
        return [
            "served \(device) for \(String(format: "%.1f", seconds)) s of board time",
            "dots: \(summary.dotsCompleted) completed, \(summary.dotsInterrupted) interrupted, "
                + "\(summary.dotsRejected) rejected; \(summary.strokesCounted) strokes counted",
            "skin: \(summary.skinContacts) contacts, \(summary.punctures) punctures, "
                + "\(summary.dotsTooDeep) dots too deep, \(summary.dotsTooShallow) too shallow, "
                + "mean deposit \(String(format: "%.3f", summary.meanDepositDepthMM)) mm",
            "faults: \(summary.faults) (\(summary.boardResets) resets); frame errors: \(summary.frameErrors)",
            "link: \(link.bytesFromHost) bytes in, \(link.bytesToHost) bytes out, \(link.bytesDiscarded) discarded",
            truthFile.map { "truth written to \($0)" }
                ?? (truthWriteFailed
                    ? "truth not written (the write failed, see below)" : "truth not written (no --truth)"),
        ]
    }
}
