import DequeModule
import Logging
import SMPHardware
import SMPJournal
import SMPMotion
import SMPWire

/// The host's real-time control core, sans-I/O: bytes from the board, time ticks and operator commands go in;
/// every input returns an ``Action`` (bytes to send, when to be called again). It owns the host's ``WireSession``,
/// the ``ClockSync`` of the board clock, the surface probing, the motion schedule, the look-ahead streaming and the
/// dot accounting. It reads no clock and does no I/O; ``ControllerDriver`` runs it over a transport.
///
/// The state machine follows swift-nio's style (`NIOThrowingAsyncSequenceProducer.StateMachine`): each ``State``
/// case carries the data only that phase has; the link, the clock fit and the accounting live across phases.
/// Every transition is logged with both clocks (host µs and the board time the fit predicts).
public struct SessionController: Sendable {
    /// Knobs with their reasons; the defaults are what `smpctl dry-run` uses.
    public struct Configuration: Sendable {
        public var sessionID: UInt32 = 0x534D_5043
        public var hostSoftware = "smpctl"
        /// Clock samples (status queries) taken after arming before anything is scheduled, this far apart (µs).
        public var warmUpSamples = 6
        public var warmUpInterval: UInt64 = 20_000
        /// A status query this often while a session runs and the clock fit is young (µs): it learns the rate.
        public var statusInterval: UInt64 = 1_000_000
        /// Once this many samples are fitted, a status query this often (µs): the crystal drifts < 1 ppm/min, so
        /// ten seconds of extrapolation add microseconds to the fit's uncertainty (which ``ClockSync`` keeps as
        /// margin), while each query costs ~40 bytes back (the status, and a completion batch flushed before it).
        public var settledStatusInterval: UInt64 = 10_000_000
        public var settledClockSamples = 30
        /// Once the last dot should have ended, a status query this often (µs): the board sends its pending
        /// completions before a status, so the last batch does not wait out its batching delay.
        public var finalStatusInterval: UInt64 = 20_000
        /// A query not answered within this is given up (µs) and the next one may go.
        public var statusTimeout: UInt64 = 500_000
        /// The first command of a phase starts this far after "now" on the board (µs), beyond the clock margin and
        /// the minimum lead: room to journal and send the first trains, also when a frame is lost twice and the
        /// journal's sync is slow (150 ms made 14 of 220 wall-time runs of the fault campaign late on their first
        /// train). Paid once per session.
        public var startMargin: UInt64 = 400_000
        /// Most dots per train (a train carries at most 64): a train leaves once the board's credit covers it, and
        /// 64 of the 128 slots still keep ~10 s of dots queued ahead, while the train header and the frame are paid
        /// a third as often as with 24.
        public var maximumTrainDots = 64
        /// Send a train at most this long (µs of schedule time) before its first dot starts: enough to ride out
        /// the board-silence limit (1 s) and retransmissions. What is queued when the board restarts is of unknown
        /// fate, and what is queued when the link is lost is discarded and sent again.
        public var lookAhead: UInt64 = 2_500_000
        /// One-way link latency assumed before any round trip was measured (µs).
        public var assumedLinkLatency: UInt64 = 3_000
        /// Probing: node spacing (µm); the approach of the first node (axis Z, µm: above any scalp the rig takes);
        /// later nodes start their slow descent this far above the nearest probed neighbour's contact (µm).
        public var probeSpacingMicrometres: Int64 = ProbeGridPlan.defaultSpacingMicrometres
        public var firstApproachMicrometres: Int32 = -4_000
        public var approachAboveNeighbourMicrometres: Int32 = 500
        /// Declare the flat test set-up instead of probing (a rig on a flat test pad, never a patient).
        public var declareFlatSurface = false
        /// Ask the board for a stroke-detail report of every dot (calibration's puncture ladder).
        public var requestStrokeDetail = false
        /// Probe this grid instead of the one covering the dots (calibration probes the plan's area).
        public var probeGrid: SurfaceGrid?
        /// After the grid, touch off these places (µm) with node 0: the board keeps its map; the results (in
        /// ``SessionController/touchOffs``) are the held-out and repeat points of a calibration.
        public var checkPoints: [CheckPoint] = []
        /// Identify the board and stop: once its hello is accepted the controller is ``State/finished`` without
        /// arming (`smpctl identify`, and `smpctl run` before it opens the journal). Nothing goes out but the
        /// hellos, not even an acknowledgement: the reports a board keeps from an earlier session belong to the run
        /// that sent those dots, and are re-sent to the next session only while unacknowledged.
        public var identifyOnly = false
        /// The host session's timing: how often and how many times the hello goes out (identify's `--timeout`),
        /// retransmission, heartbeats, the board-silence limit.
        public var link = SessionConfiguration(role: .host)

        public init() {}
    }

    /// A place (µm) touched off with node 0 after the grid: it measures the surface without changing the map.
    public struct CheckPoint: Sendable, Equatable {
        public var xMicrometres: Int32
        public var yMicrometres: Int32
        public init(xMicrometres: Int32, yMicrometres: Int32) {
            self.xMicrometres = xMicrometres
            self.yMicrometres = yMicrometres
        }
    }

    /// Operator commands.
    public enum OperatorCommand: Sendable, Equatable {
        /// Needle out at once, position kept; the schedule clock stops.
        case hold
        case resume
        case emergencyStop
        /// Ask the board for a status now.
        case status
    }

    /// What the caller must do after an input.
    public struct Action: Sendable, Equatable {
        /// Journal entries to make durable **before** ``bytes`` are written: the intents of the dots those bytes
        /// send, and the reports and session events those bytes acknowledge.
        public var journal: [JournalEntry] = []
        /// Bytes to write to the board, in order.
        public var bytes: [UInt8]
        /// Call ``SessionController/tick(now:)`` at this host time (µs) at the latest; nil when only input can make
        /// work.
        public var wakeAt: UInt64?
    }

    /// Why the session stopped short.
    public enum FaultReason: Sendable, Equatable, CustomStringConvertible {
        /// The host refused the plan before sending a command.
        case hostCheck(HostCheckError)
        /// The board speaks another protocol version (nothing was sent after the hello).
        case protocolMismatch(HandshakeMismatch)
        /// The board reported a fault and went to its safe state.
        case board(Fault)
        /// The board restarted (brown-out, reset): its queue is gone.
        case boardRestarted(lastCompletedDot: UInt32)
        /// The link was given up: the board-silence rule (nothing heard for the session's limit), no answer to the
        /// hello, or retransmissions exhausted.
        case linkLost(LinkFailure)
        /// The motion model could not schedule the dots.
        case motion(MotionError)
        /// A touch-off found no skin or hit its force limit.
        case probe(String)
        /// The operator pressed the emergency stop.
        case emergencyStop
        /// The transport closed under the session (a port that hung up or vanished, a failed write), in the
        /// transport's words.
        case transportClosed(String)

        public var description: String {
            switch self {
            case .hostCheck(let error): "host check: \(error)"
            case .protocolMismatch(let mismatch): "\(mismatch)"
            case .board(let fault):
                "board fault \(fault.code.name)" + (fault.dotID != 0 ? " at wire dot \(fault.dotID)" : "")
                    + (fault.value != 0 ? " (value \(fault.value))" : "")
            case .boardRestarted(let last): "the board restarted (last completed wire dot \(last))"
            case .linkLost(let failure): "board lost: \(failure)"
            case .motion(let error): "motion: \(error)"
            case .probe(let text): "probing: \(text)"
            case .emergencyStop: "emergency stop by the operator"
            case .transportClosed(let reason): "board lost: \(reason)"
            }
        }
    }

    /// Probing phase data: the grid, the nodes still to touch off, the touch-off in flight.
    public struct Probing: Sendable, Equatable {
        public var plan: ProbeGridPlan?
        var order: [Int]
        var nextNode = 0
        var awaitingResult: Int?
        var nextCheckPoint = 0
        var gridSent = false
        /// One touch-off at a stored node after a cartridge change, not a probing of the grid.
        var isRezero = false
        public var nodesProbed = 0
        /// Host time the operator's hold was sent, nil when not held: no touch-off goes out until the resume.
        var heldAt: UInt64?
    }

    /// Streaming phase data: the commands not yet sent, in queue order.
    public struct Streaming: Sendable, Equatable {
        struct Outgoing: Sendable, Equatable {
            var message: Message
            /// Schedule time of its first start.
            var start: UInt64
            /// The dots (indices) it carries.
            var dots: Range<Int>
        }
        var pending: Deque<Outgoing>
        /// Host time the hold was sent (holding only).
        var heldAt: UInt64?
    }

    public enum State: Sendable, Equatable {
        /// Waiting for the board's hello.
        case disconnected
        /// Hello accepted, checks passed; arming and sampling the clock (`samples` taken so far).
        case identified(samples: Int)
        /// Armed; probing the surface.
        case armed(Probing)
        /// Dots streaming and executing.
        case running(Streaming)
        /// Held by the operator.
        case holding(Streaming)
        /// Stopped short; the dot accounting says what happened to each dot.
        case faulted(FaultReason)
        /// Every dot has its record.
        case finished
    }

    public let configuration: Configuration
    public let resumption: Resumption
    public let dots: [ControlDot]
    public let board: BoardDefinition
    public let handpiece: HandpieceDefinition
    public internal(set) var state: State = .disconnected
    public internal(set) var session: WireSession
    public internal(set) var clock = ClockSync()
    public internal(set) var accounting: DotAccounting
    public internal(set) var surface = SurfaceMap()
    public internal(set) var machine: MotionMachine?
    public internal(set) var schedule: MotionSchedule?
    /// The board's announced identity, from its hello.
    public internal(set) var hello: BoardHello?
    /// Touch-off results in the order they came.
    public internal(set) var touchOffs: [TouchOffResult] = []
    /// Stroke-detail reports in the order they came (only when ``Configuration/requestStrokeDetail`` is set).
    public internal(set) var strokeDetails: [StrokeDetail] = []
    /// Board faults reported, in order (also those an earlier session left, re-sent after the reconnect).
    public internal(set) var faults: [Fault] = []
    /// The board's last status.
    public internal(set) var lastStatus: BoardStatus?
    /// Whether the board's kept reports are all in: every earlier send without a report was then never accepted
    /// (nil while unknown; false when the board restarted and lost them).
    public internal(set) var earlierReportsComplete: Bool?
    /// The wire id of this session's first dot: ``Resumption/firstWireID``, or above the board's
    /// `last_completed_dot` when that is higher (an earlier run on the same board), so that a later hello naming
    /// its last completed dot can only mean a dot of this run.
    public internal(set) var firstWireID: UInt32
    /// Host time the last completion record arrived.
    public internal(set) var lastReportAt: UInt64?
    /// What the operator saw happen, in the order it happened (holds, resumes, stops, faults, lost links, restarts,
    /// operator steps).
    public internal(set) var eventLog: [Event] = []
    /// Commands the host put on the wire after their send deadline (the board may have judged them late).
    public internal(set) var sentPastDeadline = 0
    /// Host time each phase began: probing, streaming (µs).
    public internal(set) var probingStartedAt: UInt64?
    public internal(set) var streamingStartedAt: UInt64?
    public internal(set) var finishedAt: UInt64?
    var logger: Logger
    var queryOutstanding: UInt64?
    var nextStatusAt: UInt64 = 0
    /// Board time minus schedule time at the last status: the time the board spent held.
    var heldOffset: UInt64 = 0
    var worstRoundTrip: UInt64 = 0
    var lastFaultName: String?
    var started = false
    var journalOut: [JournalEntry] = []
    /// Completion records received in this session (the hello's `pending_completions` come first).
    var recordsReceived = 0
    var boardRestartReported = false
    /// This session fitted another cartridge at its start.
    public internal(set) var cartridgeChanged = false
    /// The highest wire id any report of this session named: this session's ids start above it.
    var highestReportedWireID: UInt32 = 0
    /// Where the board's last status put the head (mm): a session on a declared flat surface starts from there.
    var reportedPosition: (x: Double, y: Double)?

    /// A controller for `dots` (in visiting order) on a board of this definition with `handpiece`.
    public init(
        dots: [ControlDot], board: BoardDefinition, handpiece: HandpieceDefinition,
        configuration: Configuration = Configuration(), resumption: Resumption = Resumption(),
        logger: Logger = Logger(label: "smpctl.control")
    ) {
        self.dots = dots
        self.resumption = resumption
        firstWireID = resumption.firstWireID
        self.board = board
        self.handpiece = handpiece
        self.configuration = configuration
        self.logger = logger
        session = WireSession(configuration: configuration.link)
        accounting = DotAccounting(count: dots.count)
    }

    // MARK: Inputs

    /// Starts the session: the host hello goes out.
    public mutating func start(now: UInt64) -> Action {
        started = true
        if let step = resumption.operatorStep { recordEvent(.operatorStep(step), now: now) }
        session.connect(sessionID: configuration.sessionID, hostSoftware: configuration.hostSoftware, now: now)
        log(.info, "connecting", now: now)
        return advance(now: now, events: [])
    }

    /// Bytes arrived from the board at host time `now`.
    public mutating func receive(_ bytes: [UInt8], now: UInt64) -> Action {
        let events = session.receive(bytes, now: now)
        return advance(now: now, events: events)
    }

    /// Time passed.
    public mutating func tick(now: UInt64) -> Action { advance(now: now, events: []) }

    /// The transport closed at host time `now` (`reason` in its words): nothing sent can arrive any more, so the
    /// board is lost now rather than after the board-silence limit.
    public mutating func transportClosed(_ reason: String, now: UInt64) -> Action {
        enterFault(.transportClosed(reason), now: now)
        return advance(now: now, events: [])
    }

    /// An operator command at host time `now`.
    public mutating func command(_ command: OperatorCommand, now: UInt64) -> Action {
        switch (command, state) {
        case (.hold, .running(var streaming)):
            sendControl(.hold, now: now)
            streaming.heldAt = now
            transition(to: .holding(streaming), now: now)
            recordEvent(.hold, now: now)
        case (.resume, .holding(var streaming)):
            sendControl(.resume, now: now)
            streaming.heldAt = nil
            transition(to: .running(streaming), now: now)
            recordEvent(.resume, now: now)
        case (.hold, .armed(var probing)) where probing.heldAt == nil:
            // The board holds the touch-off in progress and starts it again on resume (Protocol.md §10.9).
            sendControl(.hold, now: now)
            probing.heldAt = now
            state = .armed(probing)
            log(.notice, "probing held", now: now)
            recordEvent(.hold, now: now)
        case (.resume, .armed(var probing)) where probing.heldAt != nil:
            sendControl(.resume, now: now)
            probing.heldAt = nil
            state = .armed(probing)
            log(.notice, "probing resumed", now: now)
            recordEvent(.resume, now: now)
        case (.emergencyStop, .faulted), (.emergencyStop, .finished), (.emergencyStop, .disconnected):
            break
        case (.emergencyStop, _):
            sendControl(.emergencyStop, now: now)
            enterFault(.emergencyStop, now: now)
        case (.status, _):
            sendStatusQuery(now: now)
        default:
            log(.notice, "operator command \(command) ignored in this state", now: now)
        }
        return advance(now: now, events: [])
    }

    // MARK: Queries

    /// The accounting with the session's end applied: after a fault, dots sent without a record are uncertain and
    /// dots never sent skipped, each with the reason. Records that arrive after the fault still count (the board
    /// reports the dot in progress and the discarded ones), so this is computed, not stored.
    public var finalAccounting: DotAccounting {
        var result = accounting
        switch state {
        case .faulted(let reason): result.close(reason: reason.description)
        case .finished: break
        default: result.close(reason: "the session was still \(Self.name(of: state))")
        }
        return result
    }

    /// True once nothing more will be sent: finished or faulted.
    // Inlined: a call from a mutating method to a non-inlined non-mutating one copies the whole controller.
    @inline(__always)
    public var isTerminal: Bool {
        switch state {
        case .finished, .faulted: true
        default: false
        }
    }

    /// The board time the clock fit predicts at host time `host` (µs); nil before the first sample.
    public func estimatedBoardTime(atHost host: UInt64) -> Double? {
        clock.samplesFitted > 0 ? clock.boardTime(atHost: host) : nil
    }

    /// The schedule time (board time minus time held) at host time `host`, as the host estimates it.
    // Inlined: a call from a mutating method to a non-inlined non-mutating one copies the whole controller.
    @inline(__always)
    public func estimatedScheduleTime(atHost host: UInt64) -> UInt64 {
        let board = clock.boardTime(atHost: host)
        return UInt64(max(0, board - Double(heldOffset)))
    }

    /// The wire id of dot `index` in this session: visiting order from ``Resumption/firstWireID`` (plan ids are not
    /// monotonic in visiting order; the wire needs increasing ids, across the sessions of a run too).
    // Inlined: a call from a mutating method to a non-inlined non-mutating one copies the whole controller.
    @inline(__always)
    public func wireID(ofDot index: Int) -> UInt32 { firstWireID + UInt32(index) }

    /// The index in ``dots`` of this session's wire id `wireID`; nil for an id of another session.
    // Inlined: a call from a mutating method to a non-inlined non-mutating one copies the whole controller.
    @inline(__always)
    public func dotIndex(ofWireID wireID: UInt32) -> Int? {
        guard streamingStartedAt != nil, wireID >= firstWireID else { return nil }
        let index = Int(wireID - firstWireID)
        return dots.indices.contains(index) ? index : nil
    }

    // MARK: Helpers

    /// The earliest start time (schedule clock) a command sent now can carry: now on the board plus the clock's
    /// uncertainty, the link latency, the minimum lead and `margin`.
    // Inlined: a call from a mutating method to a non-inlined non-mutating one copies the whole controller.
    @inline(__always)
    func earliestStart(now: UInt64, margin: UInt64) -> UInt64 {
        let lead = UInt64(hello?.limits.minimumLeadMicroseconds ?? 5_000)
        let uncertainty = UInt64(clock.uncertainty(atHost: now).rounded(.up))
        return estimatedScheduleTime(atHost: now) + uncertainty + lead
            + max(configuration.assumedLinkLatency, worstRoundTrip) + margin
    }

    mutating func sendQueued(_ message: Message, now: UInt64) {
        do { try session.send(message, now: now) } catch {
            log(.error, "could not send \(message.type): \(error)", now: now)
        }
    }

    mutating func sendControl(_ message: Message, now: UInt64) {
        guard session.isEstablished else { return }
        sendQueued(message, now: now)
    }

    mutating func sendStatusQuery(now: UInt64) {
        guard session.canSend, queryOutstanding == nil else { return }
        sendQueued(.statusQuery, now: now)
        queryOutstanding = now
    }

    mutating func enterFault(_ reason: FaultReason, now: UInt64) {
        guard !isTerminal else { return }
        transition(to: .faulted(reason), now: now)
        switch reason {
        case .board: return  // its event was recorded when the fault message came
        case .emergencyStop: recordEvent(.emergencyStop, now: now)
        case .linkLost(let failure): recordEvent(.linkLost(failure), now: now)
        case .boardRestarted(let last): recordEvent(.boardRestarted(lastCompletedDot: last), now: now)
        default: recordEvent(.fault(reason), now: now)
        }
        log(.error, "session stopped: \(reason)", now: now)
    }

    mutating func transition(to next: State, now: UInt64) {
        let from = Self.name(of: state)
        state = next
        log(.notice, "\(from) -> \(Self.name(of: next))", now: now)
    }

    static func name(of state: State) -> String {
        switch state {
        case .disconnected: "disconnected"
        case .identified: "identified"
        case .armed: "armed"
        case .running: "running"
        case .holding: "holding"
        case .faulted(let reason): "faulted (\(reason))"
        case .finished: "finished"
        }
    }

    func log(_ level: Logger.Level, _ text: String, now: UInt64) {
        let board = clock.samplesFitted > 0 ? "\(UInt64(max(0, clock.boardTime(atHost: now))))" : "unknown"
        logger.log(
            level: level, "\(text)",
            metadata: ["host_us": "\(now)", "board_us": "\(board)", "done": "\(accounting.done)"])
    }
}
