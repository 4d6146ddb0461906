import Foundation
import Glibc
import Logging
import SMPCalibration
import SMPControl
import SMPHardware
import SMPJournal
import SMPPlanning
import SMPReport
import SMPRun
import SMPSystem
import Synchronization

/// Ctrl-C presses (SIGINT) and termination requests (SIGTERM) since the run began, counted by the signal handler:
/// the only thing it does, so that the handler is async-signal-safe.
let operatorInterrupts = Atomic<Int>(0)
let terminationRequests = Atomic<Int>(0)

/// `smpctl run`'s session: the ``SessionRunner`` over the serial transport with the file journal, the operator's
/// keys (Ctrl-C holds, Enter resumes, Ctrl-C again stops), progress on stderr, and the summary.
struct RunSession {
    let dots: [ControlDot]
    let board: BoardDefinition
    let ledger: Journal
    let transport: SerialControllerTransport
    let logger: Logger
    let redoUncertain: Bool
    /// The cartridge the board says is fitted.
    let fittedCartridge: String
    /// The client profile's deposit model: with it the run asks for every dot's stroke detail and estimates the
    /// deposit depth from it.
    let estimator: DepositEstimator?
    let plan: PlanResult
    /// The probing grid's node spacing (µm): a client profile's mesh spacing, else the controller's default.
    var probeSpacingMicrometres: Int64?

    func run() throws -> (summary: RunSummary, record: SessionRecord) {
        let hostOrigin = transport.now
        signal(SIGINT) { _ in operatorInterrupts.add(1, ordering: .relaxed) }
        signal(SIGTERM) { _ in terminationRequests.add(1, ordering: .relaxed) }
        defer {
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
        var configuration = SessionController.Configuration()
        configuration.hostSoftware = "smpctl-run"
        configuration.sessionID = UInt32.random(in: 1...UInt32.max / 2)
        configuration.requestStrokeDetail = estimator != nil
        if let spacing = probeSpacingMicrometres { configuration.probeSpacingMicrometres = spacing }
        var policy = SessionRunner<SerialControllerTransport, Journal>.Policy()
        policy.redoUncertain = redoUncertain
        var runner = SessionRunner(
            dots: dots, board: board, handpiece: .rotaryR1, ledger: ledger, transport: transport,
            configuration: configuration, policy: policy, logger: logger)
        runner.fittedCartridge = fittedCartridge
        var display = RunProgressDisplay(total: dots.count, startedAt: transport.now)
        var operatorState = OperatorKeys()
        // A day of wall time bounds a run that nobody stops; the sessions end long before.
        runner.run(
            limit: 86_400_000_000,
            observe: { driver, progress in
                let command = operatorState.command(for: driver.controller, now: driver.transport.now)
                display.update(driver.controller, progress: progress, now: driver.transport.now)
                return command
            },
            operatorStep: { step in
                display.finish()
                return OperatorKeys.confirm(step)
            })
        display.finish()
        let accounting = runner.finalAccounting
        let end: RunEnd =
            accounting.done == dots.count ? .finished : (operatorState.stopRequested ? .stopped : .failed)
        let detail = runner.stopReason ?? "every dot dealt with"
        if runner.journalFailure == nil {
            do { try ledger.appendEnd(end, detail: detail) } catch {
                Output.diagnostic("smpctl: \(error)")
            }
        }
        let depthSource =
            estimator.map {
                "estimated from each dot's stroke reports (Z and load at the bottom) through the client profile "
                    + "\($0.profile.name.isEmpty ? "" : "\($0.profile.name) ")of \($0.profile.date)"
            }
            ?? "not measured: a board reports strokes, not where the pigment went (run with --profile to estimate it)"
        let runRecord = RunRecord(
            runner: runner, accounting: accounting, plan: plan, hostOrigin: hostOrigin,
            depth: estimator.map { estimator in
                { dot, strokes in estimator.depositDepthMM(of: strokes, x: dot.motion.xMM, y: dot.motion.yMM) }
            }, depthSource: depthSource)
        let summary = RunSummary(
            runner: runner, accounting: accounting, operatorStopped: operatorState.stopRequested,
            record: runRecord, hostOrigin: hostOrigin)
        return (summary, runRecord.record)
    }
}

/// The operator's keys while a session runs: the first Ctrl-C holds and asks, Enter resumes, a second Ctrl-C (or
/// SIGTERM) stops.
struct OperatorKeys {
    private var interruptsHandled = 0
    private var held = false
    private(set) var stopRequested = false

    mutating func command(for controller: SessionController, now: UInt64) -> SessionController.OperatorCommand? {
        if terminationRequests.load(ordering: .relaxed) > 0 && !stopRequested {
            stopRequested = true
            Output.diagnostic("stopping: the needle goes out, the queued dots are discarded and journaled")
            return .emergencyStop
        }
        let interrupts = operatorInterrupts.load(ordering: .relaxed)
        if interrupts > interruptsHandled {
            interruptsHandled = interrupts
            if held || interrupts >= 2 {
                guard !stopRequested else { return nil }
                stopRequested = true
                Output.diagnostic("stopping: the needle goes out, the queued dots are discarded and journaled")
                return .emergencyStop
            }
            held = true
            Output.diagnostic(
                "held: needle out, position kept. Press Enter to resume, Ctrl-C again to stop the session.")
            return .hold
        }
        if held, Self.enterPressed() {
            held = false
            Output.diagnostic("resuming")
            return .resume
        }
        if held, case .running = controller.state {
            // The hold did not take (it came before the dots streamed): try again now that they do.
            return .hold
        }
        return nil
    }

    /// Asks the operator to make `step` and waits for Enter: true once they pressed it, false when they pressed
    /// Ctrl-C or standard input ended (nobody there to change a cartridge).
    static func confirm(_ step: SessionController.OperatorStep) -> Bool {
        let what =
            step.kind == .cartridge
            ? "fit the \(step.to) cartridge (now \(step.from))" : "load pigment \(step.to) (now \(step.from))"
        Output.diagnostic("operator step: the board is safe; \(what), then press Enter (Ctrl-C stops the session)")
        let interrupts = operatorInterrupts.load(ordering: .relaxed)
        while operatorInterrupts.load(ordering: .relaxed) == interrupts {
            var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 200) >= 0 || errno == EINTR else { return false }
            guard descriptor.revents != 0 else { continue }
            var byte: UInt8 = 0
            let count = read(STDIN_FILENO, &byte, 1)
            if count == 0 {
                Output.diagnostic("standard input ended: nobody to make the \(step.kind) change; stopping")
                return false
            }
            if count == 1 && byte == UInt8(ascii: "\n") { return true }
        }
        return false
    }

    /// A line on standard input, without waiting.
    static func enterPressed() -> Bool {
        // One byte per readable poll: standard input blocks, and a read that waits would starve the link.
        while true {
            var descriptor = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 0) > 0, descriptor.revents & Int16(POLLIN) != 0 else { return false }
            var byte: UInt8 = 0
            guard read(STDIN_FILENO, &byte, 1) == 1 else { return false }
            if byte == UInt8(ascii: "\n") { return true }
        }
    }
}

/// Progress of a run on stderr: a line redrawn in place on a terminal (dots done/total, dots/min, ETA, state,
/// region), a plain line every 10 % otherwise.
struct RunProgressDisplay {
    let total: Int
    let startedAt: UInt64
    private let interactive = Output.stderrIsTerminal
    private var lastDrawn: UInt64 = 0
    private var lastDecile = -1
    private var drew = false

    init(total: Int, startedAt: UInt64) {
        self.total = max(1, total)
        self.startedAt = startedAt
    }

    mutating func update(_ controller: SessionController, progress: RunProgress, now: UInt64) {
        let settled = progress.dotsSettledBefore + controller.accounting.settled
        let state: String
        switch controller.state {
        case .disconnected: state = "connecting"
        case .identified: state = "clock sync"
        case .armed(let probing): state = "probing \(probing.nodesProbed)/\(probing.plan?.nodeCount ?? 0)"
        case .running: state = "running"
        case .holding: state = "HELD"
        case .faulted: state = "board lost, reconnecting"
        case .finished: state = "finished"
        }
        if interactive {
            guard now >= lastDrawn + 250_000 else { return }
            lastDrawn = now
            var rate = ""
            var eta = ""
            if let streaming = controller.streamingStartedAt, now > streaming + 5_000_000,
                controller.accounting.done > 0
            {
                let perSecond = Double(controller.accounting.done) / (Double(now - streaming) / 1e6)
                rate = ", \(Int(perSecond * 60)) dots/min"
                let left = Double(total - settled) / perSecond
                eta = ", ETA \(Int(left) / 60) min \(Int(left) % 60) s"
            }
            let current = min(controller.accounting.settled, controller.dots.count - 1)
            let region =
                current >= 0 && controller.streamingStartedAt != nil ? ", " + controller.dots[current].regionName : ""
            Output.write(
                "\r\u{1B}[K" + TerminalSafeText.escaped("\(settled)/\(total) dots\(rate)\(eta), \(state)\(region)"),
                to: STDERR_FILENO)
            drew = true
        } else {
            let decile = settled * 10 / total
            guard decile != lastDecile else { return }
            lastDecile = decile
            Output.diagnostic("run: \(settled)/\(total) dots, \(state)")
        }
    }

    func finish() {
        if drew { Output.write("\n", to: STDERR_FILENO) }
    }
}
