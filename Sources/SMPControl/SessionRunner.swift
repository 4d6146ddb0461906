import Logging
import SMPHardware
import SMPJournal
import SMPWire

/// Runs a plan to its end across as many board sessions as it takes: a session per connection, a new one after
/// the link or the board was lost, each decided from the run's ledger so that no dot is ever sent twice.
///
/// After a loss, a reconciling session comes first: it connects without arming, takes the reports the board kept
/// (§3 of Docs/Protocol.md: unacknowledged reports are re-sent in the next session) and, when the board did not
/// restart, settles that every send still without a report was never accepted. Then a session sends what the
/// ledger says is owed: dots never sent, the remaining strokes of an interrupted dot, dots the board discarded
/// before their dip. A dot whose fate is unknown is never sent again without the operator's decision
/// (``Policy/redoUncertain``, recorded in the ledger).
public struct SessionRunner<Transport: ControllerTransport, Ledger: RunLedger> {
    /// When to reconnect and when to give up.
    public struct Policy: Sendable {
        /// Most sessions in one run (a board that keeps failing is not retried for ever).
        public var maximumSessions = 64
        /// Wait this long (µs) after losing the board before connecting again: the board's watchdog has tripped
        /// and its safe state settled by then.
        public var reconnectPause: UInt64 = 250_000
        /// Give up when no session could be established for this long (µs) after losing the board.
        public var reconnectWindow: UInt64 = 30_000_000
        /// Needle again the dots of unknown fate (`--redo-uncertain`): each gets an operator `redo` decision in the
        /// ledger first.
        public var redoUncertain = false

        public init() {}
    }

    /// The plan's dots in visiting order (all of them, also those an earlier run finished).
    public let dots: [ControlDot]
    public let board: BoardDefinition
    public let handpiece: HandpieceDefinition
    public var configuration: SessionController.Configuration
    public var policy: Policy
    public internal(set) var ledger: Ledger
    public internal(set) var transport: Transport
    /// Every session's controller after it ended, in order.
    public private(set) var sessions: [SessionController] = []
    /// Why the journal refused entries (the run then stopped at once).
    public private(set) var journalFailure: String?
    /// Why the run stopped short of dealing with every dot; nil when it did.
    public private(set) var stopReason: String?
    /// The cartridge fitted when the run began (the board's hello says), if known: the first group's step is
    /// skipped when it is already the right one.
    public var fittedCartridge: String?
    /// The operator steps the run made, in order.
    public private(set) var steps: [SessionController.OperatorStep] = []
    var currentGroup: ControlDot?
    var logger: Logger
    var indexOfPlanDot: [UInt32: Int] = [:]

    public init(
        dots: [ControlDot], board: BoardDefinition, handpiece: HandpieceDefinition, ledger: Ledger,
        transport: Transport, configuration: SessionController.Configuration = .init(), policy: Policy = .init(),
        logger: Logger = Logger(label: "smpctl.control")
    ) {
        self.dots = dots
        self.board = board
        self.handpiece = handpiece
        self.ledger = ledger
        self.transport = transport
        self.configuration = configuration
        self.policy = policy
        self.logger = logger
        for (index, dot) in dots.enumerated() { indexOfPlanDot[UInt32(dot.motion.id)] = index }
    }

    /// Runs sessions until every dot has its final fate, the run cannot go on, or `limit` host µs have passed.
    /// `observe` is called after every input of every session, as ``ControllerDriver/run(limit:observe:journal:)``
    /// calls it. `operatorStep` is asked before a session whose needle group needs another cartridge or pigment
    /// (the board is disarmed by then): true once the operator has made the change, false to stop the run.
    public mutating func run(
        limit: UInt64,
        observe: (inout ControllerDriver<Transport>, RunProgress) -> SessionController.OperatorCommand? = { _, _ in nil
        },
        operatorStep: (SessionController.OperatorStep) -> Bool = { _ in true }
    ) {
        let end = transport.now + limit
        if policy.redoUncertain {
            let decisions = ledger.state.uncertainDots.map { JournalEntry.decision(.redo(planDot: $0)) }
            if !decisions.isEmpty, !record(decisions) { return }
        }
        var needsReconciling = !unresolvedSends().isEmpty
        var keptSurface: SurfaceMap?
        var lostAt: UInt64?
        while transport.now < end {
            guard sessions.count < policy.maximumSessions else {
                stopReason = "gave up after \(sessions.count) sessions"
                return
            }
            var resumption = SessionController.Resumption()
            resumption.firstWireID = ledger.state.nextWireDot
            resumption.earlierSends = unresolvedSends()
            resumption.surface = keptSurface
            resumption.reconcileOnly = needsReconciling && !resumption.earlierSends.isEmpty
            let owed = resumption.reconcileOnly ? [] : dotsToSend()
            if owed.isEmpty && !resumption.reconcileOnly { return }
            // One needle group (cartridge and pigment) per session; between groups, the operator's step.
            let group = owed.first.map { first in owed.prefix { $0.motion.cartridge == first.motion.cartridge } } ?? []
            let sending = Array(group)
            if let first = sending.first {
                resumption.fitCartridge = first.cartridgeName
                resumption.disarmWhenFinished = sending.count < owed.count
                if let step = Self.step(from: currentGroup, fitted: fittedCartridge, to: first) {
                    guard operatorStep(step) else {
                        stopReason = "stopped by the operator at the \(step.kind) change to \(step.to)"
                        return
                    }
                    steps.append(step)
                    resumption.operatorStep = step
                }
                currentGroup = first
                fittedCartridge = first.cartridgeName ?? fittedCartridge
            }
            var sessionConfiguration = configuration
            // The grid covers every dot still owed, not only this group's: the next groups stream over the map
            // this session measures (re-zeroed after a cartridge change).
            resumption.probeArea = owed.map(\.motion)
            sessionConfiguration.sessionID = configuration.sessionID &+ UInt32(sessions.count)
            if sessionConfiguration.sessionID == 0 { sessionConfiguration.sessionID = 1 }
            let controller = SessionController(
                dots: sending, board: board, handpiece: handpiece, configuration: sessionConfiguration,
                resumption: resumption, logger: logger)
            let progress = RunProgress(
                session: sessions.count,
                dotsSettledBefore: dots.count - (resumption.reconcileOnly ? dotsToSend().count : owed.count),
                dotsPlanned: dots.count)
            var driver = ControllerDriver(controller: controller, transport: transport)
            var failure: String?
            driver.run(
                limit: end - min(end, transport.now), observe: { driver in observe(&driver, progress) },
                journal: { entries in
                    do { try ledger.record(entries) } catch {
                        failure = "\(error)"
                        return failure
                    }
                    return nil
                })
            transport = driver.transport
            let ended = driver.controller
            sessions.append(ended)
            if let failure {
                journalFailure = failure
                stopReason = "the journal failed: \(failure)"
                return
            }
            switch ended.state {
            case .finished:
                needsReconciling = false
                if resumption.reconcileOnly { continue }
                keptSurface = ended.surface
                // The next needle group, if any; otherwise what is still owed was refused or discarded by the board
                // for a reason of its own: reported, not retried.
                if resumption.disarmWhenFinished, ended.accounting.done == ended.dots.count { continue }
                stopReason = nil
                return
            case .faulted(let reason) where Self.isRecoverable(reason):
                let now = transport.now
                guard ended.hello != nil || lostAt != nil else {
                    // No board answered the run's first session: nothing to reconnect to.
                    stopReason = "\(reason)"
                    return
                }
                if ended.hello != nil { lostAt = now }
                if let lostAt, now >= lostAt + policy.reconnectWindow {
                    stopReason =
                        "the board was lost (\(reason)) and did not come back within "
                        + "\(policy.reconnectWindow / 1_000_000) s"
                    return
                }
                // The board keeps its map across a lost link but not across a restart; a map whose probing did not
                // finish is probed again.
                if Self.restarted(reason) {
                    keptSurface = nil
                } else if ended.streamingStartedAt != nil {
                    keptSurface = ended.surface
                } else if !ended.resumption.reconcileOnly {
                    keptSurface = nil
                }
                needsReconciling = true
                logger.notice(
                    "session \(sessions.count) lost: \(reason); reconnecting",
                    metadata: ["host_us": "\(now)"])
                pause(until: now + policy.reconnectPause)
                // A port that vanished (the cable out) is opened again as soon as it is back, within the window.
                while !transport.reopen() {
                    let waited = transport.now
                    if let lostAt, waited >= lostAt + policy.reconnectWindow {
                        stopReason =
                            "the board was lost (\(reason)) and its port did not come back within "
                            + "\(policy.reconnectWindow / 1_000_000) s"
                        return
                    }
                    _ = transport.waitForBytes(until: waited + policy.reconnectPause)
                }
            case .faulted(let reason):
                stopReason = "\(reason)"
                return
            default:
                stopReason = "stopped at the time limit"
                return
            }
        }
        if stopReason == nil { stopReason = "stopped at the time limit" }
    }

    /// What became of every plan dot (index = visiting order), from the ledger: done; uncertain (sent, fate
    /// unknown); skipped (not needled, or only in part, with the reason).
    public var finalAccounting: DotAccounting {
        let state = ledger.state
        let reason = stopReason ?? "the run ended"
        var lostIn: [UInt32: String] = [:]
        for session in sessions {
            guard case .faulted(let fault) = session.state else { continue }
            for index in session.dots.indices { lostIn[session.wireID(ofDot: index)] = "\(fault)" }
        }
        let fates = dots.map { dot -> DotAccounting.Fate in
            switch state.state(ofPlanDot: UInt32(dot.motion.id)) {
            case .done: return .done
            case .uncertain(let wire, _):
                return .uncertain(
                    "sent as wire dot \(wire), no report from the board" + (lostIn[wire].map { " (\($0))" } ?? ""))
            case .neverSent: return .skipped("not sent: \(reason)")
            case .partial(let delivered, let owed):
                return .skipped("\(delivered) strokes delivered, \(owed) owed and not sent: \(reason)")
            case .refused(let outcome, _): return .skipped("\(outcome) by the board, never needled: \(reason)")
            case .redoAuthorised: return .skipped("redo authorised, not sent: \(reason)")
            case .skipped(let why): return .skipped(why)
            }
        }
        return DotAccounting(fates: fates)
    }

    /// The plan dot index each wire id of the run sent.
    public var dotIndexOfWireID: [UInt32: Int] {
        var result: [UInt32: Int] = [:]
        for (wire, send) in ledger.state.sends { result[wire] = indexOfPlanDot[send.planDot] }
        return result
    }

    /// Sessions that began after a session lost the board: connections made again.
    public var reconnections: Int {
        zip(sessions, sessions.dropFirst()).count { previous, _ in
            if case .faulted = previous.state { true } else { false }
        }
    }

    /// The run's ledger reconciles every report; the controllers of the sessions that sent dots, in order.
    public var sendingSessions: [SessionController] { sessions.filter { !$0.resumption.reconcileOnly } }

    // MARK: Helpers

    /// The step between the group of `previous` (nil at the start of the run) and that of `next`: a cartridge
    /// change when the catalogue cartridge differs from the fitted one, a pigment change when only the pigment does.
    static func step(from previous: ControlDot?, fitted: String?, to next: ControlDot)
        -> SessionController.OperatorStep?
    {
        if let wanted = next.cartridgeName, wanted != fitted {
            return SessionController.OperatorStep(kind: .cartridge, from: fitted ?? "unknown", to: wanted)
        }
        if let previous, previous.motion.cartridge != next.motion.cartridge {
            return SessionController.OperatorStep(
                kind: .pigment, from: previous.motion.cartridge, to: next.motion.cartridge)
        }
        return nil
    }

    static func isRecoverable(_ reason: SessionController.FaultReason) -> Bool {
        switch reason {
        case .linkLost, .boardRestarted, .transportClosed: true
        case .board(let fault):
            // A late command is refused before its dip (its dot and the queue behind it reported, never needled): a
            // new session sends them again with fresh start times.
            [.watchdog, .frameCheckStorm, .unrepairableSequenceGap, .boardReset, .lateCommand].contains(fault.code)
        default: false
        }
    }

    static func restarted(_ reason: SessionController.FaultReason) -> Bool {
        switch reason {
        case .boardRestarted: true
        case .board(let fault): fault.code == .boardReset
        default: false
        }
    }

    /// Sends of the run without a report that a reconciling session can still settle: not found never accepted,
    /// and not lost in a board restart.
    func unresolvedSends() -> [UInt32: UInt32] {
        var result: [UInt32: UInt32] = [:]
        for (wire, send) in ledger.state.sends
        where send.report == nil && !send.notAcceptedByBoard && !send.lostInBoardRestart {
            result[wire] = send.planDot
        }
        return result
    }

    /// The dots the ledger says may be sent now, with the strokes owed, in visiting order.
    func dotsToSend() -> [ControlDot] {
        let state = ledger.state
        return dots.compactMap { dot in
            let current = state.state(ofPlanDot: UInt32(dot.motion.id))
            if current == .neverSent { return dot }
            guard let strokes = current.strokesToSend, strokes > 0 else { return nil }
            var owed = dot
            owed.motion.strokes = Int(strokes)
            return owed
        }
    }

    mutating func record(_ entries: [JournalEntry]) -> Bool {
        do {
            try ledger.record(entries)
            return true
        } catch {
            journalFailure = "\(error)"
            stopReason = "the journal failed: \(error)"
            return false
        }
    }

    mutating func pause(until deadline: UInt64) {
        while transport.now < deadline && !transport.isClosed {
            _ = transport.waitForBytes(until: deadline)
        }
    }
}

/// How far a run is, for progress while one of its sessions runs.
public struct RunProgress: Sendable {
    /// The session running (0 for the first).
    public var session: Int
    /// Plan dots with a final fate before this session began.
    public var dotsSettledBefore: Int
    public var dotsPlanned: Int

    public init(session: Int, dotsSettledBefore: Int, dotsPlanned: Int) {
        self.session = session
        self.dotsSettledBefore = dotsSettledBefore
        self.dotsPlanned = dotsPlanned
    }
}

/// A run's figures from the host's side: what `smpctl run` can say without the simulator's truth.
public struct RunStatistics: Sendable, Equatable {
    /// Connections made again after a loss.
    public var reconnections = 0
    /// The motion schedules' estimates of the sending sessions, summed (s).
    public var estimatedSeconds = 0.0
    /// Host time from the first dot's stream to the last record of each sending session, summed (s).
    public var streamingSeconds = 0.0
    /// Host time spent probing before the dots (s).
    public var probingSeconds = 0.0
    public var touchOffs = 0
    /// Commands put on the wire after their send deadline.
    public var sentPastDeadline = 0
    /// Board faults (also those re-sent after a reconnect) and host-side reasons a session stopped, in order.
    public var faults: [String] = []
    /// Travel of the head over the sending sessions' schedules (mm).
    public var travelMM = 0.0
}

extension SessionRunner {
    /// The run's figures, summed over its sessions.
    public var statistics: RunStatistics {
        var result = RunStatistics()
        result.reconnections = reconnections
        for session in sessions {
            result.touchOffs += session.touchOffs.count
            result.sentPastDeadline += session.sentPastDeadline
            result.faults += session.faults.map { fault in
                fault.code.name + (fault.dotID != 0 ? " at wire dot \(fault.dotID)" : "")
            }
            if case .faulted(let reason) = session.state {
                if case .board = reason {} else { result.faults.append("host: \(reason)") }
            }
            if let probe = session.probingStartedAt, let stream = session.streamingStartedAt {
                result.probingSeconds += Double(stream - probe) / 1e6
            }
            guard let schedule = session.schedule, let stream = session.streamingStartedAt else { continue }
            result.estimatedSeconds += schedule.durationSeconds
            let end = session.finishedAt ?? session.lastReportAt ?? stream
            result.streamingSeconds += Double(end - min(end, stream)) / 1e6
            var x = schedule.start.xMM
            var y = schedule.start.yMM
            for dot in schedule.dots {
                result.travelMM += ((dot.xMM - x) * (dot.xMM - x) + (dot.yMM - y) * (dot.yMM - y)).squareRoot()
                x = dot.xMM
                y = dot.yMM
            }
        }
        return result
    }
}
