import Logging
import SMPBoardSim
import SMPControl
import SMPHardware
import SMPMotion
import SMPWire

/// Timed experiments on the whole pipeline in virtual time (``SessionController`` over wire bytes ↔
/// ``SimulatedBoard`` on a ``VirtualBench``), graded from the simulator's truth: an operator hold or a host that
/// falls silent at a chosen moment, and exactly one lost frame. The test suite asserts their bounds and the
/// benchmarks report their distributions from these same runs (Docs/Performance.md, "Hold latency").
public enum LatencyExperiment {
    /// Which phase of the session an event is timed from.
    public enum Phase: Sendable {
        /// From the moment the controller began probing the surface (touch-offs).
        case probing
        /// From the moment the controller began streaming dots.
        case streaming
    }

    /// A patch of `count` dots in rows 1 mm apart around (100, 100) mm, in visiting order, each with a seeded local
    /// hang in 0.8...1.8 mm (as deep as planned dots go and deeper) and its own hang as its profile band; 4 strokes at
    /// `rateHz`.
    public static func patch(count: Int, seed: UInt64, rateHz: Double = 120) -> [ControlDot] {
        var random = SeededGenerator(seed: seed, stream: "latency-patch")
        let columns = 10
        return (0..<count).map { index in
            let row = index / columns
            // Serpentine rows, as a planner visits them.
            let column = row % 2 == 0 ? index % columns : columns - 1 - index % columns
            let hang = ((0.8 + random.nextUnit()) * 1000).rounded() / 1000
            return ControlDot(
                motion: MotionDot(
                    id: index + 1, xMM: 95 + Double(column), yMM: 97 + Double(row), localHangMM: hang, strokes: 4,
                    rateHz: rateHz, cartridge: "3RL"),
                hangBandMM: hang...hang, regionName: "patch")
        }
    }

    /// The curved-scalp patient of `seed` on smp-driver-r1 with the rotary-r1 handpiece, the crystal error and USB
    /// timing on, and the faults of `faults` (SMPBoardSim's fault spec).
    public static func setup(seed: UInt64, faults: String = "") throws(SimulatorInputError) -> SimulationSetup {
        SimulationSetup(
            board: .r1, handpiece: .rotaryR1, skinType: .fitzpatrick1to3, surface: .curved, seed: seed,
            faults: try FaultPlan(parsing: faults), faultSpec: faults, homeXMM: 0, homeYMM: 0)
    }

    // MARK: Hold

    /// Runs a session of `dots` on `setup`'s board, gives the operator's hold `offset` µs of host time after
    /// `phase` began (while probing or streaming), and returns the board's record of that hold (nil when the session
    /// had ended or the board did not hold). The session is stopped 300 ms after the hold, long
    /// after any needle is clear.
    public static func hold(
        dots: [ControlDot], setup: SimulationSetup, phase: Phase = .streaming, after offset: UInt64
    ) -> NeedleClearanceTruth? {
        var driver = makeDriver(dots: dots, setup: setup, transport: DryRunTransport(setup: setup))
        var heldAt: UInt64?
        var stopped = false
        driver.run(limit: sessionLimit(dots)) { driver in
            let now = driver.transport.now
            if let heldAt {
                driver.maximumWait = 50_000
                guard !stopped, now >= heldAt + 300_000 else { return nil }
                stopped = true
                return .emergencyStop
            }
            guard let target = Self.target(of: driver.controller, phase: phase, offset: offset) else { return nil }
            guard now >= target else {
                driver.maximumWait = max(1, min(50_000, target - now))
                return nil
            }
            driver.maximumWait = 50_000
            switch driver.controller.state {
            case .running, .armed:
                heldAt = now
                return .hold
            default:
                return nil
            }
        }
        guard heldAt != nil else { return nil }
        return driver.transport.truth.needleClearances.first { $0.cause == "hold" }
    }

    // MARK: Host loss

    /// How the host is lost.
    public enum HostLoss: Sendable {
        /// The process dies (SIGKILL): it writes nothing more; what it wrote before still arrives, as from the OS's
        /// buffers.
        case killed
        /// The cable is pulled: from that moment nothing crosses the link either way, bytes in flight included
        /// (a `disconnect` fault from the moment of the pull to the end).
        case cablePulled
    }

    /// Runs a session of `dots` and loses the host `offset` µs of host time after `phase` began. Returns the board's
    /// record of the safe state its watchdog entered, nil when no watchdog trip followed (the session had ended). Its
    /// ``NeedleClearanceTruth/hostLastHeardBoardTimeMicros`` is the arrival of the host's last byte.
    public static func hostLoss(
        dots: [ControlDot], setup: SimulationSetup, phase: Phase = .streaming, after offset: UInt64,
        how: HostLoss = .killed
    ) -> NeedleClearanceTruth? {
        var driver = makeDriver(
            dots: dots, setup: setup, transport: SilencedTransport(base: DryRunTransport(setup: setup)))
        driver.run(limit: sessionLimit(dots)) { driver in
            let now = driver.transport.now
            guard driver.transport.silentSince == nil else { return nil }
            guard let target = Self.target(of: driver.controller, phase: phase, offset: offset) else { return nil }
            guard now >= target else {
                driver.maximumWait = max(1, min(50_000, target - now))
                return nil
            }
            driver.maximumWait = 50_000
            driver.transport.silentSince = now
            return nil
        }
        guard let silentSince = driver.transport.silentSince else { return nil }
        switch how {
        case .killed:
            return driver.transport.base.truth.needleClearances.first { $0.cause == FaultCode.watchdog.name }
        case .cablePulled:
            // The same seed runs the same session up to the moment found above; the link dies then.
            var pulled = setup
            pulled.faults.disconnects.append(FaultPlan.Window(start: silentSince, duration: sessionLimit(dots)))
            pulled.faultSpec +=
                (pulled.faultSpec.isEmpty ? "" : ",") + "disconnect=\(silentSince)us+\(sessionLimit(dots))us"
            var cabled = makeDriver(dots: dots, setup: pulled, transport: DryRunTransport(setup: pulled))
            cabled.run(limit: sessionLimit(dots))
            return cabled.transport.truth.needleClearances.first { $0.cause == FaultCode.watchdog.name }
        }
    }

    // MARK: One lost frame

    /// What one lost frame cost a session.
    public struct LostFrameOutcome: Sendable {
        /// The frame lost on purpose and its redelivery (nil: the session never sent that frame).
        public var loss: LinkFaultInjector.TargetedLoss?
        /// Dots in the session, and dots the controller counts done.
        public var dotsPlanned: Int
        public var dotsDone: Int
        /// The controller reached `finished`.
        public var finished: Bool
        /// Commands the controller put on the wire after their send deadline.
        public var sentPastDeadline: Int
        /// The board's faults, by name (a late dot is `late_command`).
        public var boardFaults: [String]
        /// The host's smoothed round trip at the end (µs).
        public var hostRoundTripMicros: Double?
        /// The retransmission timeout of the side that sent the lost frame, at the end (µs).
        public var senderRetransmissionTimeoutMicros: UInt64
        /// Fast retransmissions each side made.
        public var hostFastRetransmissions: UInt64
        public var boardFastRetransmissions: UInt64

        /// True when a negative acknowledgement had the frame resent (fast retransmit, Protocol.md §4), false when
        /// the sender's retransmission timeout did.
        public var repairedByFastRetransmit: Bool {
            guard let loss else { return false }
            return (loss.messageType.isFromBoard ? boardFastRetransmissions : hostFastRetransmissions) > 0
        }

        /// How much later the lost frame's content arrived than it would have without the loss (µs).
        public var extraDelayMicros: UInt64? {
            guard let loss, let redelivered = loss.redeliveredAt else { return nil }
            return redelivered - loss.dueAt
        }
    }

    /// Runs a whole session of `dots` on `setup`, whose faults lose one frame (`lose=TYPE#N`), and reports when the
    /// frame's content got through and whether anything became late.
    public static func lostFrame(dots: [ControlDot], setup: SimulationSetup) -> LostFrameOutcome {
        var driver = makeDriver(dots: dots, setup: setup, transport: DryRunTransport(setup: setup))
        driver.run(limit: sessionLimit(dots))
        let transport = driver.transport
        let controller = driver.controller
        let truth = transport.truth
        let hostLoss = transport.hostToBoard.targetedLosses.first
        let board = transport.boardLinkSession
        return LostFrameOutcome(
            loss: hostLoss ?? transport.boardToHost.targetedLosses.first,
            dotsPlanned: dots.count, dotsDone: controller.accounting.done, finished: controller.state == .finished,
            sentPastDeadline: controller.sentPastDeadline, boardFaults: truth.faults.map(\.code),
            hostRoundTripMicros: controller.session.smoothedRoundTripMicros,
            senderRetransmissionTimeoutMicros: hostLoss != nil
                ? controller.session.retransmissionTimeoutMicros : board.retransmissionTimeoutMicros,
            hostFastRetransmissions: controller.session.statistics.fastRetransmissions,
            boardFastRetransmissions: board.statistics.fastRetransmissions)
    }

    // MARK: Running

    static let quietLogger = Logger(label: "smpctl.latency", factory: { _ in SwiftLogNoOpLogHandler() })

    static func makeDriver<Transport: ControllerTransport>(
        dots: [ControlDot], setup: SimulationSetup, transport: Transport
    ) -> ControllerDriver<Transport> {
        var configuration = SessionController.Configuration()
        configuration.hostSoftware = "smpctl-latency"
        configuration.declareFlatSurface = setup.surface == .flat
        let controller = SessionController(
            dots: dots, board: setup.board, handpiece: setup.handpiece, configuration: configuration,
            logger: quietLogger)
        return ControllerDriver(controller: controller, transport: transport)
    }

    /// Host time limit of a session: a minute of set-up and probing plus a second a dot.
    static func sessionLimit(_ dots: [ControlDot]) -> UInt64 { 60_000_000 + UInt64(dots.count) * 1_000_000 }

    static func target(of controller: SessionController, phase: Phase, offset: UInt64) -> UInt64? {
        switch phase {
        case .probing: controller.probingStartedAt.map { $0 + offset }
        case .streaming: controller.streamingStartedAt.map { $0 + offset }
        }
    }
}

/// A host that dies: once ``silentSince`` is set, nothing it writes reaches the link (what it wrote before is on
/// its way already). Reading goes on, so the run still sees the board's side.
struct SilencedTransport: ControllerTransport {
    var base: DryRunTransport
    var silentSince: UInt64?

    var now: UInt64 { base.now }
    var isClosed: Bool { false }
    mutating func write(_ bytes: [UInt8]) {
        guard silentSince == nil else { return }
        base.write(bytes)
    }
    mutating func waitForBytes(until deadline: UInt64) -> [UInt8] { base.waitForBytes(until: deadline) }
}
