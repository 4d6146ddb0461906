import Logging
import SMPBoardSim
import SMPControl
import SMPHardware
import SMPJournal
import SMPMotion
import SMPPlanning
import SMPReport
import SMPWire

/// What a dry run simulates.
public struct DryRunOptions: Sendable {
    public var skin: SkinType
    public var surface: SimulatedPatient.Surface = .curved
    public var seed: UInt64 = 1
    /// A scar patient's scar areas; ``DryRun/run(_:options:progress:)`` takes the plan's when this is empty.
    public var scars: [ScarOutline] = []
    /// `--faults` text (SMPBoardSim's fault spec).
    public var faults = ""
    public var board: BoardDefinition = .r1
    public var handpiece: HandpieceDefinition = .rotaryR1
    /// Give up after this much virtual time (µs) plus a second a dot (the r1 needles a dot in about 0.15 s, so a
    /// session that reaches the limit is stuck, not slow).
    public var timeLimitMicros: UInt64 = 3_600_000_000
    public var logger = Logger(label: "smpctl.control")
    /// A calibrated hang per scalp region (a client profile's): every dot gets its region's hang.
    public var hangByRegion: [ScalpRegion: Double]?
    /// The cartridge a client profile was calibrated with (catalogue name): every dot is needled with it, the
    /// simulated operator fitting it before the first dot.
    public var cartridgeName: String?
    /// The probing grid's node spacing (µm) when not the controller's default: a client profile's mesh spacing, so
    /// that the session's map is as fine as the one the calibration measured.
    public var probeSpacingMicrometres: Int64?

    /// Holds the simulated operator presses, each resumed after its duration.
    public var holds: [SimulatedHold] = []

    public init(skin: SkinType) { self.skin = skin }
}

/// An operator hold in a dry run: hold pressed at `atMicros` of host time (from the session's start), or as soon
/// after as dots are streaming (a hold is refused while connecting and probing), and resume `durationMicros` after
/// the press.
public struct SimulatedHold: Sendable, Equatable {
    public var atMicros: UInt64
    public var durationMicros: UInt64

    /// Latest press time and longest hold accepted (s): a day, an hour.
    public static let latestPressSeconds = 86_400.0
    public static let longestSeconds = 3_600.0
    /// The hold's length when the text gives none (s).
    public static let defaultSeconds = 5.0

    public init(atMicros: UInt64, durationMicros: UInt64) {
        self.atMicros = atMicros
        self.durationMicros = durationMicros
    }

    /// `SECONDS[+DURATION]`: decimal seconds from the session's start, and the hold's length in seconds (default 5).
    public init(parsing text: String) throws(DryRunError) {
        let parts = text.split(separator: "+", maxSplits: 1, omittingEmptySubsequences: false)
        func seconds(_ part: Substring) -> Double? {
            guard let value = Double(String(part)), value.isFinite else { return nil }
            return value
        }
        let expected =
            "expected SECONDS[+DURATION]: the press at 0-\(Int(Self.latestPressSeconds)) s from the session's start, "
            + "held for more than 0 and at most \(Int(Self.longestSeconds)) s (default \(Int(Self.defaultSeconds)))"
        guard let at = seconds(parts[0]), (0...Self.latestPressSeconds).contains(at) else {
            throw DryRunError(kind: .badInput, message: "\"\(text)\": \(expected)")
        }
        var duration = Self.defaultSeconds
        if parts.count == 2 {
            guard let value = seconds(parts[1]), value > 0, value <= Self.longestSeconds else {
                throw DryRunError(kind: .badInput, message: "\"\(text)\": \(expected)")
            }
            duration = value
        }
        self.init(
            atMicros: UInt64((at * 1e6).rounded()), durationMicros: Swift.max(1, UInt64((duration * 1e6).rounded())))
    }
}

/// A dry run's progress, for a progress bar.
public struct DryRunProgress: Sendable {
    public var phase: String
    public var dotsSettled: Int
    public var dotsPlanned: Int
    public var nodesProbed: Int
    public var nodesPlanned: Int
    public var virtualSeconds: Double
}

/// A plan that cannot be dry-run, before any byte was sent: one line, and whether it is the input's fault.
public struct DryRunError: Error, CustomStringConvertible {
    public enum Kind: Sendable { case badInput, refusedByBoard }
    public var kind: Kind
    public var message: String
    public var description: String { message }
}

/// The whole pipeline in virtual time: plan → host checks → ``SessionController`` over wire bytes ↔
/// ``SimulatedBoard`` on a ``VirtualBench`` (crystal error, USB link, the faults asked for), then graded against the
/// simulator's truth. The controller never sees the truth; only this grader reads it, after the run.
public enum DryRun {
    /// Runs `result`'s session. Host-check failures throw before anything is sent; everything that happens on the
    /// link (faults, a board of another protocol) is in the report.
    public static func run(
        _ result: PlanResult, options: DryRunOptions, progress: ((DryRunProgress) -> Void)? = nil
    ) throws -> DryRunReport {
        var dots = ControlDot.dots(of: result)
        if let problem = HostChecks.firstProblem(in: dots, limits: BoardLimits(options.board)) {
            throw DryRunError(kind: .badInput, message: "\(result.plan.file): \(problem)")
        }
        let plan: FaultPlan
        do { plan = try FaultPlan(parsing: options.faults) } catch {
            throw DryRunError(kind: .badInput, message: "\(error)")
        }
        var options = options
        if options.scars.isEmpty { options.scars = ScarOutline.areas(of: result.plan) }
        let setup = simulationSetup(options: options, seed: options.seed, faults: plan)
        if let hangs = options.hangByRegion {
            do { dots = try dots.applying(hangByRegion: hangs, planFile: result.plan.file) } catch {
                throw DryRunError(
                    kind: .badInput,
                    message:
                        "\(result.plan.file): dot \(error.dotID) lies in the \(error.found) region, which the profile "
                        + "did not calibrate")
            }
        }
        if let name = options.cartridgeName {
            guard let cartridge = (setup.catalogue ?? .reference).cartridge(named: name) else {
                throw DryRunError(
                    kind: .badInput, message: "cartridge \"\(name)\": not a cartridge the simulated board accepts")
            }
            dots = dots.applying(cartridge: cartridge.name, group: cartridge.group)
        }
        var report = try run(
            dots: dots, setup: setup, options: options, planFile: result.plan.file, progress: progress)
        report.record.add(plan: result)
        return report
    }

    /// The simulated board and patient of a run: `smpctl calibrate --port sim` and `smpctl dry-run` build it here,
    /// so the same skin type and seed meet the same patient.
    public static func simulationSetup(
        options: DryRunOptions, seed: UInt64, faults: FaultPlan = FaultPlan()
    ) -> SimulationSetup {
        var setup = SimulationSetup(
            board: options.board, handpiece: options.handpiece, skinType: options.skin, surface: options.surface,
            seed: seed, faults: faults, faultSpec: options.faults, homeXMM: 0, homeYMM: 0)
        setup.scars = options.scars
        return setup
    }

    /// Runs `dots` against the board of `setup`.
    public static func run(
        dots: [ControlDot], setup: SimulationSetup, options: DryRunOptions, planFile: String,
        progress: ((DryRunProgress) -> Void)? = nil
    ) throws -> DryRunReport {
        let wallStart = ContinuousClock.now
        let configuration = Self.configuration(setup: setup, options: options)
        let ledger = MemoryLedger(
            plan: PlanHash.of(dotsFileContent: Array(planFile.utf8)),
            board: BoardIdentity(
                model: options.board.model, serialNumber: "simulated", protocolVersion: WireSchema.protocolVersion),
            hostSoftware: configuration.hostSoftware)
        var runner = SessionRunner(
            dots: dots, board: options.board, handpiece: options.handpiece, ledger: ledger,
            transport: BenchTransport(bench: VirtualBench(setup: setup)), configuration: configuration,
            logger: options.logger)
        // The simulated operator fits what each needle group needs, as the practitioner would when asked.
        runner.fittedCartridge = setup.cartridge
        var clockErrorMax = 0.0
        var lastProgress = 0.0
        var nextClockCheck: UInt64 = 0
        var holds = options.holds.sorted { $0.atMicros < $1.atMicros }[...]
        var resumeAt: UInt64?
        let holdTime = options.holds.reduce(0) { $0 + $1.durationMicros }
        runner.run(limit: timeLimit(dots: dots, options: options) + holdTime) { driver, run in
            let now = driver.transport.now
            switch driver.controller.state {
            case .holding:
                if let resume = resumeAt, now >= resume {
                    resumeAt = nil
                    return .resume
                }
            case .running:
                if let hold = holds.first, now >= hold.atMicros {
                    holds.removeFirst()
                    resumeAt = now + hold.durationMicros
                    return .hold
                }
            default: break
            }
            // The host's estimate of the board clock against the bench's truth, every 10 ms of host time.
            if now >= nextClockCheck {
                nextClockCheck = now + 10_000
                switch driver.controller.state {
                case .armed, .running, .holding:
                    if let estimate = driver.controller.estimatedBoardTime(atHost: now) {
                        let truth = Double(driver.transport.bench.boardNow)
                        clockErrorMax = max(clockErrorMax, abs(estimate - truth))
                    }
                default: break
                }
            }
            let seconds = Double(now) / 1e6
            if let progress, seconds - lastProgress >= 0.5 {
                lastProgress = seconds
                progress(Self.progress(of: driver.controller, run: run, seconds: seconds))
            }
            return nil
        }
        if let progress, let last = runner.sessions.last {
            let run = RunProgress(
                session: runner.sessions.count - 1,
                dotsSettledBefore: runner.finalAccounting.settled - last.accounting.settled,
                dotsPlanned: dots.count)
            progress(Self.progress(of: last, run: run, seconds: Double(runner.transport.now) / 1e6))
        }
        let wall = ContinuousClock.now - wallStart
        let wallSeconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) * 1e-18
        if let first = runner.sessions.first {
            if case .faulted(.protocolMismatch(let mismatch)) = first.state {
                throw DryRunError(kind: .refusedByBoard, message: "board: \(mismatch); nothing sent")
            }
            if case .faulted(.hostCheck(let problem)) = first.state {
                throw DryRunError(kind: .badInput, message: "\(planFile): \(problem); nothing sent")
            }
        }
        return DryRunReport.grade(
            run: GradedRun(runner), truth: runner.transport.bench.board.truth(),
            virtualSeconds: Double(runner.transport.now) / 1e6, wallSeconds: wallSeconds,
            hostToBoardBytes: runner.transport.bytesWritten, boardToHostBytes: runner.transport.bytesRead,
            clockErrorMaxMicros: clockErrorMax, options: options, setup: setup)
    }

    /// The controller a dry run of `dots` on `setup`'s board runs.
    public static func controller(
        dots: [ControlDot], setup: SimulationSetup, options: DryRunOptions
    ) -> SessionController {
        SessionController(
            dots: dots, board: options.board, handpiece: options.handpiece,
            configuration: configuration(setup: setup, options: options),
            logger: options.logger)
    }

    /// The controller's configuration in a dry run on `setup`.
    static func configuration(setup: SimulationSetup, options: DryRunOptions) -> SessionController.Configuration {
        var configuration = SessionController.Configuration()
        configuration.hostSoftware = "smpctl-dry-run"
        configuration.declareFlatSurface = setup.surface == .flat
        if let spacing = options.probeSpacingMicrometres { configuration.probeSpacingMicrometres = spacing }
        return configuration
    }

    /// The virtual time (µs) a dry run of `dots` may take.
    public static func timeLimit(dots: [ControlDot], options: DryRunOptions) -> UInt64 {
        options.timeLimitMicros + UInt64(dots.count) * 1_000_000
    }

    /// A dry run's first session (one connection, the dots as one needle group, no operator step) with every byte
    /// that crossed the link kept, ungraded: what the wire-cost benchmark counts
    /// and the host-CPU benchmark replays (``ReplayTransport``). The driver is returned as it ended (its controller
    /// says how the session went).
    public static func recordedSession(
        dots: [ControlDot], setup: SimulationSetup, options: DryRunOptions
    ) -> ControllerDriver<RecordingTransport<DryRunTransport>> {
        var driver = ControllerDriver(
            controller: controller(dots: dots, setup: setup, options: options),
            transport: RecordingTransport(DryRunTransport(setup: setup)))
        driver.run(limit: timeLimit(dots: dots, options: options))
        return driver
    }

    static func progress(of controller: SessionController, run: RunProgress, seconds: Double) -> DryRunProgress {
        var nodes = (0, 0)
        let phase: String
        switch controller.state {
        case .disconnected: phase = "connecting"
        case .identified: phase = "clock sync"
        case .armed(let probing):
            phase = "probing"
            nodes = (probing.nodesProbed, probing.plan?.nodeCount ?? 0)
        case .running: phase = "dots"
        case .holding: phase = "held"
        case .faulted: phase = "faulted"
        case .finished: phase = "finished"
        }
        return DryRunProgress(
            phase: phase, dotsSettled: run.dotsSettledBefore + controller.accounting.settled,
            dotsPlanned: run.dotsPlanned,
            nodesProbed: nodes.0, nodesPlanned: nodes.1, virtualSeconds: seconds)
    }
}

/// The simulated board on its bench as a controller transport in virtual time: waiting advances the bench event by
/// event and returns as soon as bytes reach the host. For tests and benchmarks that drive the controller
/// themselves; ``truth`` is for grading afterwards, never for the controller.
public struct DryRunTransport: ControllerTransport {
    var base: BenchTransport
    public init(setup: SimulationSetup) { base = BenchTransport(bench: VirtualBench(setup: setup)) }
    public var now: UInt64 { base.now }
    public var isClosed: Bool { false }
    public mutating func write(_ bytes: [UInt8]) { base.write(bytes) }
    public mutating func waitForBytes(until deadline: UInt64) -> [UInt8] { base.waitForBytes(until: deadline) }
    public var truth: SimulationTruth { base.bench.board.truth() }
    /// The board clock now (true board time, for grading the host's clock estimate).
    public var boardNow: UInt64 { base.bench.boardNow }
    /// The link towards the board, with what its fault injection did (for grading, like ``truth``).
    public var hostToBoard: LinkFaultInjector { base.bench.hostToBoard }
    /// The link towards the host, with what its fault injection did.
    public var boardToHost: LinkFaultInjector { base.bench.boardToHost }
    /// The board's side of the link (counters, round trip, retransmission timeout).
    public var boardLinkSession: WireSession { base.bench.board.linkSession }
}

/// What the grader needs of a run: the plan's dots, the sessions that sent them, and the ledger's word on each.
struct GradedRun {
    var dots: [ControlDot]
    /// The sessions that sent dots, in order (a reconciling session sends none).
    var sessions: [SessionController]
    /// Every session, reconciling ones included.
    var allSessions: [SessionController]
    var accounting: DotAccounting
    var dotIndexOfWireID: [UInt32: Int]
    /// "finished", or why the run stopped short.
    var outcome: String
    /// Connections after the first.
    var reconnections: Int

    init<T, L>(_ runner: SessionRunner<T, L>) {
        dots = runner.dots
        sessions = runner.sendingSessions
        allSessions = runner.sessions
        accounting = runner.finalAccounting
        dotIndexOfWireID = runner.dotIndexOfWireID
        reconnections = runner.reconnections
        if let reason = runner.stopReason {
            outcome = "faulted: \(reason)"
        } else if reconnections > 0 {
            outcome = "finished after \(reconnections) reconnection\(reconnections == 1 ? "" : "s")"
        } else {
            outcome = "finished"
        }
    }
}

struct BenchTransport: ControllerTransport {
    var bench: VirtualBench<SimulatedBoard>
    var bytesWritten = 0
    var bytesRead = 0

    var now: UInt64 { bench.now }
    var isClosed: Bool { false }

    mutating func write(_ bytes: [UInt8]) {
        bytesWritten += bytes.count
        bench.hostWrites(bytes)
    }

    mutating func waitForBytes(until deadline: UInt64) -> [UInt8] {
        let bytes = bench.run(until: max(deadline, bench.now + 1), stoppingAtDelivery: true)
        bytesRead += bytes.count
        return bytes
    }
}
