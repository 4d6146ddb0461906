import ArgumentParser
import Foundation
import Logging
import SMPCalibration
import SMPControl
import SMPHardware
import SMPJournal
import SMPPlanning
import SMPReport
import SMPRun
import SMPSerial
import SMPWire

/// `smpctl run PLAN --port PATH|auto`: the session on the real rig, in wall time, with its journal.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a plan's session on the board: handshake, arm, probe, stream, with a journal and resume.",
        discussion: """
            Connects to the board (--port PATH, or auto for the single connected SMP board), checks the plan \
            against the board's limits, probes the surface and streams the dots, journaling every dot's intent \
            before its bytes leave and every report before it is acknowledged (--journal FILE; default beside \
            the plan, PLAN.journal). When the link or the board is lost, the run reconnects and goes on: dots \
            done are never sent again, an interrupted dot gets only its remaining strokes, and a dot whose fate \
            is unknown (its bytes reached a board that then restarted) is listed and never needled again \
            automatically.

            Ctrl-C holds at once (needle out, position kept): Enter resumes, a second Ctrl-C stops the session \
            cleanly. After a crash, a kill or an unplugged cable, run again with --resume: the journal and the \
            board's own report say what is done. --redo-uncertain needles the uncertain dots again: your \
            decision, recorded in the journal, and a possible second hit on each.

            --report FILE.html writes the run as a picture, as `smpctl dry-run --report` does: every done dot at \
            its commanded position, the timeline of the schedule with the run's events, the regions' table. With \
            --profile the run asks the board for each dot's stroke detail and the report and summary show the \
            deposit depth estimated from it through the profile; without, the depth is not measured. The report \
            is written also when the run ends with dots not done.

            Exit codes: 0 every dot done; 64 usage; 65 bad plan, profile or journal, or a dot the host refuses \
            (nothing sent); 66 --resume without a journal; 69 the port cannot be used, or the board is not the \
            journal's or speaks another protocol; 70 the session ended with dots not done (the summary says \
            which and why; resume with --resume); 73 the journal exists (use --resume) or cannot be created; 74 \
            the board does not answer, or the journal or the report cannot be written.
            """
    )

    @Argument(help: "The plan file (JSON, format smpctl-plan/1).")
    var plan: String

    @Option(
        help: ArgumentHelp("Serial port path, or 'auto' for the single connected SMP board.", valueName: "path|auto"))
    var port: String

    @Option(help: "The run's journal file (default: beside the plan, PLAN.journal).")
    var journal: String?

    @Flag(help: "Continue the run its journal records.")
    var resume = false

    @Flag(name: .customLong("redo-uncertain"), help: "Needle again the dots of unknown fate (recorded in the journal).")
    var redoUncertain = false

    @Option(help: "Client profile from `smpctl calibrate` (a file, or a saved profile's name): hang per region.")
    var profile: String?

    @Flag(help: "Print the summary as one JSON document on stdout.")
    var json = false

    @Option(help: "Write the run's report (one self-contained HTML file) here.")
    var report: String?

    @OptionGroup var hardware: HardwareOptions

    @OptionGroup var line: LineSpeedOption

    @Flag(help: "Log the controller's transitions on stderr.")
    var verbose = false

    func validate() throws {
        if redoUncertain && !resume {
            throw ValidationError("--redo-uncertain: only with --resume (a new run has no uncertain dots)")
        }
        if let report { try CommandFiles.checkOutput(report) }
    }

    func run() throws {
        let (planned, dots, clientProfile) = try loadDots()
        let hash = dots.planHash
        guard
            let journalPath = journal
                ?? JournalLocation.defaultPath(
                    forDotsFile: plan, plan: hash, environment: ProcessInfo.processInfo.environment)
        else {
            throw CommandFailure(.usage, "--journal: no default place for the journal; name a file")
        }
        if resume {
            guard FileManager.default.fileExists(atPath: journalPath) else {
                throw CommandFailure(
                    .noInput, "\(journalPath): no such journal; --resume continues a run that has one")
            }
        } else if FileManager.default.fileExists(atPath: journalPath) {
            throw CommandFailure(
                .cannotCreate,
                "\(journalPath): already exists: it is the journal of an earlier run; continue it with --resume or "
                    + "name another file with --journal")
        }
        let connection = try BoardPort.connect(port, hardware: hardware, line: line, timeoutMilliseconds: 2_000)
        let transport = connection.transport
        defer { transport.close() }
        let (path, boardDefinition, hello) = (connection.path, connection.board, connection.hello)
        let identity = BoardIdentity(
            model: hello.boardModel, serialNumber: hello.serialNumber, protocolVersion: hello.protocolVersion)
        if let problem = HostChecks.firstProblem(in: dots, limits: hello.limits) {
            throw CommandFailure(.dataError, "\(plan): \(problem); nothing sent")
        }
        let ledger = try openJournal(at: journalPath, plan: hash, board: identity)
        Output.diagnostic("journal: \(journalPath)")
        let (summary, record) = try RunSession(
            dots: dots, board: boardDefinition, ledger: ledger, transport: transport, logger: logger(),
            redoUncertain: redoUncertain, fittedCartridge: hello.cartridge,
            estimator: clientProfile.map(DepositEstimator.init(profile:)), plan: planned,
            probeSpacingMicrometres: clientProfile.map { Int64($0.mesh.spacingMicrometres) }
        ).run()
        var printed = summary
        printed.plan = plan
        printed.port = path
        printed.journal = journalPath
        if let reportFile = report {
            var drawn = record
            drawn.planFile = plan
            try CommandFiles.write(Array(HTMLReport.render(drawn, summary: printed.reportSummary).utf8), to: reportFile)
            if !json { Output.diagnostic("report written to \(reportFile)") }
        }
        if json {
            try Output.json(printed)
        } else {
            for line in printed.lines { Output.line(line) }
        }
        if printed.dotsDone < printed.dotsPlanned {
            throw CommandFailure(
                .software,
                "\(printed.dotsPlanned - printed.dotsDone) of \(printed.dotsPlanned) dots not done "
                    + "(\(printed.dotsUncertain) uncertain, \(printed.dotsSkipped) skipped): \(printed.outcome); "
                    + "continue with: smpctl run \(plan) --port \(port) --resume")
        }
    }

    // MARK: Steps

    /// The plan's session, its dots (with a client profile's hangs and cartridge) and the profile.
    func loadDots() throws -> (plan: PlanResult, dots: [ControlDot], profile: ClientProfile?) {
        let result = try CommandFiles.plannedSession(plan)
        var dots = ControlDot.dots(of: result)
        var clientProfile: ClientProfile?
        if let profile {
            let path =
                profile.hasSuffix(".json") || profile.contains("/")
                ? profile : ProfileStore.directory() + "/\(profile).json"
            do {
                let loaded = try ClientProfile.load(from: path, board: .r1, handpiece: .rotaryR1)
                clientProfile = loaded
                dots = try dots.applying(hangByRegion: loaded.hangByRegion, planFile: plan)
                if let cartridge = CartridgeCatalogue.reference.cartridge(named: loaded.cartridge) {
                    dots = dots.applying(cartridge: cartridge.name, group: cartridge.group)
                }
            } catch let error as CalibrationError {
                throw CommandFailure(.dataError, error.message)
            } catch let error as HostCheckError {
                throw CommandFailure(
                    .dataError,
                    "\(plan): dot \(error.dotID) lies in the \(error.found) region, which the profile did not calibrate"
                )
            }
        }
        if let problem = HostChecks.firstProblem(in: dots, limits: BoardLimits(.r1)) {
            throw CommandFailure(.dataError, "\(plan): \(problem); nothing sent")
        }
        return (result, dots, clientProfile)
    }

    func openJournal(at path: String, plan hash: PlanHash, board identity: BoardIdentity) throws -> Journal {
        do {
            if resume {
                let journal = try Journal.resume(at: path, plan: hash)
                do { try journal.checkBoard(identity) } catch {
                    journal.close()
                    throw CommandFailure(.unavailable, error.description)
                }
                if let damage = journal.recoveredDamage {
                    Output.diagnostic(
                        "\(path): the last record was cut short at offset \(damage.offset) (\(damage.reason)); "
                            + "continuing from the record before it")
                }
                return journal
            }
            return try Journal.create(
                at: path, plan: hash, board: identity, hostSoftware: "smpctl \(SMPCtl.configuration.version)")
        } catch let error as JournalError {
            throw CommandFailure(resume ? .dataError : .cannotCreate, error.description)
        }
    }

    func logger() -> Logger {
        var logger = Logger(label: "smpctl.control") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = verbose ? .info : .error
        return logger
    }
}
