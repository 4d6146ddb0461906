import DequeModule
import Logging
import SMPHardware
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
        /// A status query this often while a session runs (µs): keeps the clock fit fresh (the crystal drifts
        /// < 1 ppm/min) at ~12 bytes each way.
        public var statusInterval: UInt64 = 1_000_000
        /// Once the last dot should have ended, a status query this often (µs): the board sends its pending
        /// completions before a status, so the last batch does not wait out its batching delay.
        public var finalStatusInterval: UInt64 = 20_000
        /// A query not answered within this is given up (µs) and the next one may go.
        public var statusTimeout: UInt64 = 500_000
        /// The first command of a phase starts this far after "now" on the board (µs), beyond the clock margin and
        /// the minimum lead: room to send it and the first trains.
        public var startMargin: UInt64 = 150_000
        /// Most dots per train: trains leave as credit frees, so long trains would wait for many free slots.
        public var maximumTrainDots = 24
        /// One-way link latency assumed before any round trip was measured (µs).
        public var assumedLinkLatency: UInt64 = 3_000
        /// Probing: node spacing (µm); the approach of the first node (axis Z, µm: above any scalp the rig takes);
        /// later nodes start their slow descent this far above the nearest probed neighbour's contact (µm).
        public var probeSpacingMicrometres: Int64 = ProbeGridPlan.defaultSpacingMicrometres
        public var firstApproachMicrometres: Int32 = -4_000
        public var approachAboveNeighbourMicrometres: Int32 = 500
        /// Declare the flat test set-up instead of probing (a rig on a flat test pad, never a patient).
        public var declareFlatSurface = false

        public init() {}
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
            }
        }
    }

    /// Probing phase data: the grid, the nodes still to touch off, the touch-off in flight.
    public struct Probing: Sendable, Equatable {
        public var plan: ProbeGridPlan?
        var order: [Int]
        var nextNode = 0
        var awaitingResult: Int?
        var gridSent = false
        public var nodesProbed = 0
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
    public let dots: [ControlDot]
    public let board: BoardDefinition
    public let handpiece: HandpieceDefinition
    public private(set) var state: State = .disconnected
    public private(set) var session: WireSession
    public private(set) var clock = ClockSync()
    public private(set) var accounting: DotAccounting
    public private(set) var surface = SurfaceMap()
    public private(set) var machine: MotionMachine?
    public private(set) var schedule: MotionSchedule?
    /// The board's announced identity, from its hello.
    public private(set) var hello: BoardHello?
    /// Touch-off results in the order they came.
    public private(set) var touchOffs: [TouchOffResult] = []
    /// Board faults reported, in order.
    public private(set) var faults: [Fault] = []
    /// Commands the host put on the wire after their send deadline (the board may have judged them late).
    public private(set) var sentPastDeadline = 0
    /// Host time each phase began: probing, streaming (µs).
    public private(set) var probingStartedAt: UInt64?
    public private(set) var streamingStartedAt: UInt64?
    public private(set) var finishedAt: UInt64?
    private var logger: Logger
    private var queryOutstanding: UInt64?
    private var nextStatusAt: UInt64 = 0
    /// Board time minus schedule time at the last status: the time the board spent held.
    private var heldOffset: UInt64 = 0
    private var worstRoundTrip: UInt64 = 0
    private var lastFaultName: String?
    private var started = false

    /// A controller for `dots` (in visiting order) on a board of this definition with `handpiece`.
    public init(
        dots: [ControlDot], board: BoardDefinition, handpiece: HandpieceDefinition,
        configuration: Configuration = Configuration(), logger: Logger = Logger(label: "smpctl.control")
    ) {
        self.dots = dots
        self.board = board
        self.handpiece = handpiece
        self.configuration = configuration
        self.logger = logger
        session = WireSession(configuration: SessionConfiguration(role: .host))
        accounting = DotAccounting(count: dots.count)
    }

    // MARK: Inputs

    /// Starts the session: the host hello goes out.
    public mutating func start(now: UInt64) -> Action {
        started = true
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

    /// An operator command at host time `now`.
    public mutating func command(_ command: OperatorCommand, now: UInt64) -> Action {
        switch (command, state) {
        case (.hold, .running(var streaming)):
            sendControl(.hold, now: now)
            streaming.heldAt = now
            transition(to: .holding(streaming), now: now)
        case (.resume, .holding(var streaming)):
            sendControl(.resume, now: now)
            streaming.heldAt = nil
            transition(to: .running(streaming), now: now)
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
    public func estimatedScheduleTime(atHost host: UInt64) -> UInt64 {
        let board = clock.boardTime(atHost: host)
        return UInt64(max(0, board - Double(heldOffset)))
    }

    /// The wire id of dot `index` in this run: visiting order from 1 (plan ids are not monotonic in visiting order;
    /// the wire needs increasing ids).
    public static func wireID(ofDot index: Int) -> UInt32 { UInt32(index + 1) }

    // MARK: The machine

    private mutating func advance(now: UInt64, events: [SessionEvent]) -> Action {
        handle(events, now: now)
        if started { drive(now: now) }
        let (bytes, pollEvents) = session.poll(now: now)
        if !pollEvents.isEmpty {
            handle(pollEvents, now: now)
        }
        return Action(bytes: bytes, wakeAt: wakeTime(now: now))
    }

    private func wakeTime(now: UInt64) -> UInt64? {
        var wake = session.nextDeadline
        func consider(_ time: UInt64?) {
            guard let time else { return }
            wake = wake.map { min($0, time) } ?? time
        }
        if !isTerminal {
            if session.isEstablished {
                if let sent = queryOutstanding {
                    consider(sent + configuration.statusTimeout)
                } else {
                    consider(nextStatusAt)
                }
                if case .running(let streaming) = state, streaming.pending.isEmpty, accounting.awaiting > 0,
                    let end = scheduleEndHost, end > Double(now)
                {
                    consider(UInt64(end.rounded(.up)))
                }
            }
        }
        return wake.map { max($0, now + 1) }
    }

    private mutating func handle(_ events: [SessionEvent], now: UInt64) {
        for event in events {
            switch event {
            case .established(.board(let boardHello)):
                identify(boardHello, now: now)
            case .established(.host):
                break
            case .refused(let mismatch):
                enterFault(.protocolMismatch(mismatch), now: now)
            case .peerRestarted(let boardHello):
                enterFault(.boardRestarted(lastCompletedDot: boardHello.lastCompletedDot), now: now)
            case .helloReceived:
                break
            case .message(let message), .priority(let message):
                handle(message, now: now)
            case .frameError(let error, let offset):
                logger.debug("frame error \(error) at byte \(offset)")
            case .malformedMessage(let error, let type):
                log(.warning, "malformed message type 0x\(String(type, radix: 16)): \(error)", now: now)
            case .linkFailed(let failure):
                enterFault(.linkLost(failure), now: now)
            }
        }
    }

    private mutating func handle(_ message: Message, now: UInt64) {
        switch message {
        case .status(let status):
            if let sent = queryOutstanding {
                queryOutstanding = nil
                let sample = ClockSample(status: status, sent: sent, received: now)
                worstRoundTrip = max(worstRoundTrip, min(sample.roundTrip, 25_000))
                let update = clock.add(sample)
                logger.trace(
                    "clock sample",
                    metadata: [
                        "update": "\(update)", "rate_ppm": "\(clock.rateErrorPPM.formatted(decimals: 2))",
                        "host_us": "\(now)", "board_us": "\(status.boardTime)",
                    ])
                if case .identified(let samples) = state { state = .identified(samples: samples + 1) }
            }
            heldOffset = status.boardTime >= status.scheduleTime ? status.boardTime - status.scheduleTime : 0
        case .completions(let batch):
            for completion in batch.completions {
                let index = Int(completion.dotID) - 1
                let commanded = dots.indices.contains(index) ? dots[index].motion.strokes : 0
                accounting.record(completion, index: index, strokesCommanded: commanded, lastFault: lastFaultName)
            }
            checkFinished(now: now)
        case .fault(let fault):
            faults.append(fault)
            lastFaultName = fault.code.name
            if !isTerminal {
                enterFault(.board(fault), now: now)
            } else {
                log(.notice, "board fault \(fault.code.name) after the session stopped", now: now)
            }
        case .touchOffResult(let result):
            touchOffResult(result, now: now)
        default:
            break
        }
    }

    private mutating func identify(_ boardHello: BoardHello, now: UInt64) {
        guard state == .disconnected else { return }
        hello = boardHello
        log(
            .info,
            "board \(boardHello.boardModel) \(boardHello.serialNumber) firmware \(boardHello.firmwareVersion), "
                + "queue \(boardHello.queueCapacity), surface \(boardHello.surfaceMode)", now: now)
        if let problem = HostChecks.firstProblem(in: dots, limits: boardHello.limits) {
            enterFault(.hostCheck(problem), now: now)
            return
        }
        machine = MotionMachine(
            board: board, handpiece: handpiece,
            minClearanceMM: Double(boardHello.limits.minimumClearanceMicrometres) / 1000)
        transition(to: .identified(samples: 0), now: now)
        sendControl(.arm, now: now)
        nextStatusAt = now
    }

    /// The per-phase work: clock samples, probing, streaming.
    private mutating func drive(now: UInt64) {
        guard session.isEstablished else { return }
        if let sent = queryOutstanding, now >= sent + configuration.statusTimeout {
            queryOutstanding = nil
        }
        switch state {
        case .identified(let samples):
            if samples >= configuration.warmUpSamples && clock.isSynchronised {
                probingStartedAt = now
                transition(to: .armed(makeProbing(now: now)), now: now)
                drive(now: now)
                return
            }
            if queryOutstanding == nil && now >= nextStatusAt {
                sendStatusQuery(now: now)
                nextStatusAt = now + configuration.warmUpInterval
            }
        case .armed(var probing):
            periodicStatus(now: now)
            probe(&probing, now: now)
            if case .armed = state { state = .armed(probing) }
        case .running(var streaming), .holding(var streaming):
            if streaming.pending.isEmpty, accounting.awaiting > 0, let end = scheduleEndHost, Double(now) >= end {
                nextStatusAt = min(nextStatusAt, now)
                periodicStatus(now: now, interval: configuration.finalStatusInterval)
            } else {
                periodicStatus(now: now)
            }
            stream(&streaming, now: now)
            switch state {
            case .running: state = .running(streaming)
            case .holding: state = .holding(streaming)
            default: break
            }
        case .disconnected, .faulted, .finished:
            break
        }
    }

    private mutating func periodicStatus(now: UInt64, interval: UInt64? = nil) {
        if queryOutstanding == nil && now >= nextStatusAt {
            sendStatusQuery(now: now)
            nextStatusAt = now + (interval ?? configuration.statusInterval)
        }
    }

    /// Host time (µs) at which the schedule's last dot should have ended on the board, while dots are out.
    private var scheduleEndHost: Double? {
        guard let schedule, clock.samplesFitted > 0 else { return nil }
        return clock.hostTime(atBoard: schedule.end + heldOffset)
    }

    // MARK: Probing

    private mutating func makeProbing(now: UInt64) -> Probing {
        if configuration.declareFlatSurface {
            return Probing(plan: nil, order: [])
        }
        switch ProbeGridPlan.covering(
            dots.map(\.motion), limits: hello!.limits, spacing: configuration.probeSpacingMicrometres)
        {
        case .success(let plan):
            return Probing(plan: plan, order: plan.visitingOrder)
        case .failure(let error):
            enterFault(.hostCheck(error), now: now)
            return Probing(plan: nil, order: [])
        }
    }

    private mutating func probe(_ probing: inout Probing, now: UInt64) {
        guard let plan = probing.plan else {
            // The flat declaration: one queued command, then the dots.
            if !probing.gridSent {
                guard session.canSend, session.availableCredit >= 1 else { return }
                surface.declare(.flat)
                sendQueued(.surfaceGrid(.flat), now: now)
                probing.gridSent = true
            }
            startStreaming(from: (Double(board.axes.x.travelMM) / 2, Double(board.axes.y.travelMM) / 2), now: now)
            return
        }
        if !probing.gridSent {
            guard session.canSend, session.availableCredit >= 1 else { return }
            surface.declare(plan.grid)
            sendQueued(.surfaceGrid(plan.grid), now: now)
            probing.gridSent = true
            log(
                .info,
                "probing \(plan.grid.nx) x \(plan.grid.ny) nodes at \(plan.grid.spacingMicrometres / 1000) mm from "
                    + "(\(plan.grid.originXMicrometres / 1000), \(plan.grid.originYMicrometres / 1000)) mm", now: now)
        }
        guard probing.awaitingResult == nil else { return }
        guard probing.nextNode < probing.order.count else {
            let last = plan.position(ofNode: probing.order.last!)
            startStreaming(from: (Double(last.x) / 1000, Double(last.y) / 1000), now: now)
            return
        }
        guard session.canSend, session.availableCredit >= 1 else { return }
        let node = probing.order[probing.nextNode]
        let position = plan.position(ofNode: node)
        let approach = approachZ(forNode: node, plan: plan)
        let start = earliestStart(now: now, margin: 20_000)
        sendQueued(
            .touchOff(
                TouchOff(
                    startTime: start, xMicrometres: position.x, yMicrometres: position.y,
                    approachMicrometres: approach, node: UInt32(node + 1))), now: now)
        probing.awaitingResult = node
        probing.nextNode += 1
    }

    /// Where the slow descent of a node starts (axis Z, µm): above the highest probed neighbour's contact, or the
    /// configured first approach.
    private func approachZ(forNode node: Int, plan: ProbeGridPlan) -> Int32 {
        let nx = Int(plan.grid.nx)
        let ny = Int(plan.grid.ny)
        let ix = node % nx
        let iy = node / nx
        var highest: Int32?
        for dy in -1...1 {
            for dx in -1...1 where dx != 0 || dy != 0 {
                let jx = ix + dx
                let jy = iy + dy
                guard (0..<nx).contains(jx), (0..<ny).contains(jy), let height = surface.heights[jy * nx + jx]
                else { continue }
                highest = max(highest ?? .min, height)
            }
        }
        guard let highest else { return configuration.firstApproachMicrometres }
        let top = Int32(board.hangCeilingMM * 1000) - Int32(board.axes.z.travelMM * 1000)
        return max(top, -highest - configuration.approachAboveNeighbourMicrometres)
    }

    private mutating func touchOffResult(_ result: TouchOffResult, now: UInt64) {
        touchOffs.append(result)
        guard case .armed(var probing) = state, let node = probing.awaitingResult else { return }
        probing.awaitingResult = nil
        switch result.outcome {
        case .contact:
            surface.store(height: -result.contactZMicrometres, node: node)
            probing.nodesProbed += 1
            state = .armed(probing)
        case .noContact:
            enterFault(.probe("no skin under (\(result.xMicrometres), \(result.yMicrometres)) um"), now: now)
        case .forceLimit:
            enterFault(
                .probe(
                    "force limit at (\(result.xMicrometres), \(result.yMicrometres)) um, "
                        + "\(result.peakLoadMillinewtons) mN"), now: now)
        }
    }

    // MARK: Streaming

    private mutating func startStreaming(from position: (x: Double, y: Double), now: UInt64) {
        guard let machine else { return }
        let host = HostSurface(map: surface)
        if let uncovered = dots.first(where: { !host.covers(xMM: $0.motion.xMM, yMM: $0.motion.yMM) }) {
            enterFault(
                .hostCheck(
                    HostCheckError(
                        dotID: uncovered.motion.id, field: "position", found: "outside the probed surface",
                        expected: "a place the board's map covers")), now: now)
            return
        }
        let start = MotionStart(
            time: earliestStart(now: now, margin: configuration.startMargin), xMM: position.x, yMM: position.y,
            zMM: machine.restingZMM, camPhase: 0.5, motorRateHz: 0, motorDriveHz: 0)
        let computed: MotionSchedule
        do {
            computed = try MotionScheduler(machine: machine, surface: host).schedule(dots.map(\.motion), from: start)
        } catch {
            enterFault(.motion(error), now: now)
            return
        }
        schedule = computed
        let pending: Deque<Streaming.Outgoing>
        do { pending = try Self.outgoing(for: computed, maximumTrainDots: configuration.maximumTrainDots) } catch {
            enterFault(
                .hostCheck(HostCheckError(dotID: 0, field: "dot_train", found: "\(error)", expected: "encodable")),
                now: now)
            return
        }
        streamingStartedAt = now
        log(
            .info,
            "streaming \(dots.count) dots, estimate \(computed.durationSeconds.formatted(decimals: 1)) s, start at "
                + "schedule time \(start.time)", now: now)
        transition(to: .running(Streaming(pending: pending)), now: now)
        drive(now: now)
    }

    /// The schedule's commands in queue order: each rate change just before its dot, runs of dots with the same
    /// strokes, rate and lift packed into trains of at most `maximumTrainDots`.
    static func outgoing(for schedule: MotionSchedule, maximumTrainDots: Int) throws(MessageEncodingError)
        -> Deque<Streaming.Outgoing>
    {
        var result: Deque<Streaming.Outgoing> = []
        var changes = schedule.rateChanges[...]
        var run: [DotCommand] = []
        var runStart = 0
        var runShape: (strokes: UInt8, rate: UInt32, lift: UInt32)?
        func flush() throws(MessageEncodingError) {
            guard let shape = runShape, !run.isEmpty else { return }
            var offset = runStart
            for train in try DotTrain.pack(
                run, strokesPerDot: shape.strokes, strokeRateCentihertz: shape.rate, liftMicrometres: shape.lift)
            {
                result.append(
                    Streaming.Outgoing(
                        message: .dotTrain(train), start: train.dots[0].startTime,
                        dots: offset..<offset + train.dots.count))
                offset += train.dots.count
            }
            run = []
        }
        for (index, dot) in schedule.dots.enumerated() {
            let shape = (strokes: UInt8(dot.strokes), rate: dot.rateCentihertz, lift: dot.liftMicrometres)
            let sameShape = runShape.map { $0 == shape } ?? false
            let changeHere = changes.first?.beforeDot == index
            if !sameShape || changeHere || run.count >= maximumTrainDots { try flush() }
            while let change = changes.first, change.beforeDot == index {
                result.append(
                    Streaming.Outgoing(
                        message: .setStrokeRate(SetStrokeRate(startTime: change.time, centihertz: change.centihertz)),
                        start: change.time, dots: index..<index))
                changes = changes.dropFirst()
            }
            if run.isEmpty { runStart = index }
            runShape = shape
            run.append(
                DotCommand(
                    id: wireID(ofDot: index), startTime: dot.start, xMicrometres: dot.xMicrometres,
                    yMicrometres: dot.yMicrometres, hangMicrometres: dot.localHangMicrometres))
        }
        try flush()
        return result
    }

    private mutating func stream(_ streaming: inout Streaming, now: UInt64) {
        guard let minimumLead = hello?.limits.minimumLeadMicroseconds else { return }
        while let next = streaming.pending.first, session.canSend,
            session.availableCredit >= next.message.queueSlots
        {
            let deadline = clock.sendDeadline(
                forBoardTime: next.start + heldOffset, minimumLead: UInt64(minimumLead),
                linkLatency: max(configuration.assumedLinkLatency, worstRoundTrip))
            if Double(now) > deadline {
                sentPastDeadline += 1
                log(.warning, "command for schedule time \(next.start) sent past its deadline", now: now)
            }
            sendQueued(next.message, now: now)
            for index in next.dots { accounting.markSent(index) }
            streaming.pending.removeFirst()
        }
    }

    private mutating func checkFinished(now: UInt64) {
        guard case .running(let streaming) = state, streaming.pending.isEmpty, accounting.awaiting == 0,
            accounting.settled == accounting.count
        else { return }
        finishedAt = now
        transition(to: .finished, now: now)
    }

    // MARK: Helpers

    /// The earliest start time (schedule clock) a command sent now can carry: now on the board plus the clock's
    /// uncertainty, the link latency, the minimum lead and `margin`.
    private func earliestStart(now: UInt64, margin: UInt64) -> UInt64 {
        let lead = UInt64(hello?.limits.minimumLeadMicroseconds ?? 5_000)
        let uncertainty = UInt64(clock.uncertainty(atHost: now).rounded(.up))
        return estimatedScheduleTime(atHost: now) + uncertainty + lead
            + max(configuration.assumedLinkLatency, worstRoundTrip) + margin
    }

    private mutating func sendQueued(_ message: Message, now: UInt64) {
        do { try session.send(message, now: now) } catch {
            log(.error, "could not send \(message.type): \(error)", now: now)
        }
    }

    private mutating func sendControl(_ message: Message, now: UInt64) {
        guard session.isEstablished else { return }
        sendQueued(message, now: now)
    }

    private mutating func sendStatusQuery(now: UInt64) {
        guard session.canSend, queryOutstanding == nil else { return }
        sendQueued(.statusQuery, now: now)
        queryOutstanding = now
    }

    private mutating func enterFault(_ reason: FaultReason, now: UInt64) {
        guard !isTerminal else { return }
        transition(to: .faulted(reason), now: now)
        if case .board = reason { return }
        log(.error, "session stopped: \(reason)", now: now)
    }

    private mutating func transition(to next: State, now: UInt64) {
        let from = Self.name(of: state)
        state = next
        log(.notice, "\(from) -> \(Self.name(of: next))", now: now)
    }

    private static func name(of state: State) -> String {
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

    private func log(_ level: Logger.Level, _ text: String, now: UInt64) {
        let board = clock.samplesFitted > 0 ? "\(UInt64(max(0, clock.boardTime(atHost: now))))" : "unknown"
        logger.log(
            level: level, "\(text)",
            metadata: ["host_us": "\(now)", "board_us": "\(board)", "done": "\(accounting.done)"])
    }
}
