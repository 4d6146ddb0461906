import Foundation
import SMPWire

/// The simulated smp-driver-r1: the board side of protocol v2 (Docs/Protocol.md) on top of the rig's physics and a
/// simulated patient. Sans-I/O: bytes and board time in, bytes out.
///
/// The firmware part keeps every safety rule of the real board: late commands, hangs beyond the ceiling and positions
/// outside travel are rejected with a fault (never clamped); host silence beyond the watchdog, a frame-check storm, a
/// motor stall or an emergency stop put it in the safe state; after any fault nothing moves until `arm`; a dot never
/// gets more counted strokes than commanded, also across hold and resume. The ground truth of what happened to the
/// skin is only reachable through ``truth()``, never over the wire.
public struct SimulatedBoard: BoardCore {
    public let setup: SimulationSetup
    /// The mechanics and the patient: hidden from every host, reachable only by this module's own tests.
    package internal(set) var physics: RigPhysics
    public internal(set) var state: BoardState = .safe
    public internal(set) var activeFault: FaultCode?
    /// Board time (µs) the model has reached.
    public internal(set) var now: UInt64
    /// What the board's clock read at power-up (``BoardClock/epoch``): board faults of the plan count from here.
    public let powerUpTime: UInt64

    var session: WireSession
    let limits: BoardLimits
    let maxStrokes: Int

    // Queue and execution.
    var queue: [QueuedCommand] = []
    var queueHead = 0
    var activity: Activity = .idle
    /// Slots held by queued commands and the dot in progress.
    var occupiedSlots = 0
    /// The last queued dot, for the schedule-overlap rule.
    var lastQueuedDot: QueuedDot?
    /// Where the last queued command leaves X/Y (mm), for the overlap rule's move time.
    var lastQueuedPosition: (x: Double, y: Double)

    /// The firmware's surface map.
    var surfaceMap = SurfaceMap()
    /// The cartridge the host last said is fitted, and every one so far (truth).
    var cartridge: String
    var cartridgeHistory: [String]
    /// Set by resume while the motor comes back to rate: the schedule clock stays frozen until then.
    var resumeReadyAt: UInt64?

    // Clocks.
    var heldTotal: UInt64 = 0
    var heldSince: UInt64?
    /// Motor drive before a hold, restored on resume (Hz).
    var driveBeforeHold = 0.0
    /// The motor drive as commanded (Hz).
    var commandedDrive = 0.0

    // Reports.
    var outbox: [Message] = []
    var pendingCompletions: [DotCompletion] = []
    /// Board time the dot of the newest pending record ended: the batch's `finished_at`.
    var lastRecordFinishedAt: UInt64 = 0
    var batchDeadline: UInt64?
    /// The credit the host last heard in a frame of ours.
    var advertisedCredit = 0
    var lastCompletedDot: UInt32 = 0
    var frameErrorTimes: [UInt64] = []

    // Board faults from the plan.
    var nextResetIndex = 0
    /// Dips started since the simulator started, over every power-up (for `reset=dip#N`), and the brown-out such a
    /// dip has scheduled.
    var dipsStarted = 0
    var dipResetAt: UInt64?
    var nextStallIndex = 0
    var stallCheckAt: UInt64?
    var stallClearAt: UInt64?
    var bootCount: Int64 = 0

    // Truth.
    var dotTruths: [DotTruth] = []
    var strayStrokes: [StrokeTruth] = []
    var faultTruths: [FaultTruth] = []
    var touchOffTruths: [TouchOffTruth] = []
    var needleClearances: [NeedleClearanceTruth] = []
    /// The clearance record whose motion is still the board's (nil once a command changed it).
    var pendingClearance: Int?
    var summary = SimulationSummary()
    var strokeScratch: [StrokeEvent] = []
    /// The dot a fault or hold cut short, while its needle is still on the way up: skin contacts then are its own.
    var retractingDot: (truthIndex: Int, run: DotRun)?

    /// A board at power-up: safe state, X/Y at home, Z retracted by the clearance, motor stopped, no session.
    public init(setup: SimulationSetup) {
        self.setup = setup
        powerUpTime = setup.clock.epoch
        now = powerUpTime
        armedAt = powerUpTime
        let board = setup.board
        maxStrokes = min(board.maxStrokesPerDot, DotCompletion.maximumStrokes)
        limits = BoardLimits(board)
        cartridge = setup.cartridge
        cartridgeHistory = [setup.cartridge]
        session = Self.makeSession(
            setup: setup, limits: limits, lastCompletedDot: 0, cartridge: setup.cartridge, surfaceMode: .unmapped)
        physics = RigPhysics(
            board: board, handpiece: setup.handpiece,
            patient: SimulatedPatient(
                skinType: setup.skinType, seed: setup.seed, surface: setup.surface, scars: setup.scars),
            home: (setup.homeXMM, setup.homeYMM), retractedHang: board.hangRangeMM.lowerBound,
            sensorNoiseN: setup.faults.sensorNoiseN, seed: setup.seed)
        lastQueuedPosition = (setup.homeXMM, setup.homeYMM)
        session.localCredit = UInt32(board.queueCapacity)
    }

    static func makeSession(
        setup: SimulationSetup, limits: BoardLimits, lastCompletedDot: UInt32, cartridge: String,
        surfaceMode: SurfaceMode
    ) -> WireSession {
        let identity = BoardHello(
            sessionID: 0, boardModel: setup.board.model, firmwareVersion: setup.firmwareVersion,
            serialNumber: setup.serialNumber, clockHertz: UInt32(setup.board.clockHz),
            queueCapacity: UInt16(clamping: setup.board.queueCapacity), limits: limits, boardTime: 0,
            lastCompletedDot: lastCompletedDot, pendingCompletions: 0, handpieceModel: setup.handpiece.model,
            cartridge: cartridge, surfaceMode: surfaceMode)
        var configuration = SessionConfiguration(role: .board)
        configuration.beatRequestSilence = setup.board.watchdogMicros / 2
        return WireSession(configuration: configuration, boardIdentity: identity)
    }

    // MARK: BoardCore

    public mutating func receive(_ bytes: [UInt8], at time: UInt64) -> [UInt8] {
        runDue(until: time)
        summary.bytesReceived += UInt64(bytes.count)
        for event in session.receive(bytes, now: now) { handle(event) }
        return flushOutput()
    }

    public mutating func advance(to time: UInt64) -> [UInt8] {
        runDue(until: time)
        return flushOutput()
    }

    public var nextDeadline: UInt64? { deadlineNow }

    public mutating func peekNextDeadline() -> UInt64? { deadlineNow }

    /// The body of ``nextDeadline``, inlined into both accessors (see ``BoardCore/peekNextDeadline()``).
    @inline(__always) var deadlineNow: UInt64? {
        var deadline = internalDeadline
        if let sessionDeadline = session.nextDeadline {
            deadline = min(deadline ?? .max, max(sessionDeadline, now))
        }
        if !outbox.isEmpty && session.canSend { deadline = min(deadline ?? .max, now) }
        return deadline
    }

    // MARK: Time

    /// Schedule time: board time minus the time spent held.
    @inline(__always) public var scheduleTime: UInt64 {
        let holding = heldSince.map { now - $0 } ?? 0
        return now - heldTotal - holding
    }

    /// Board time at which a schedule time comes, while not held.
    /// Saturates: a start time near the end of the clock (any value a host may send) must not trap.
    @inline(__always) func boardTime(ofSchedule schedule: UInt64) -> UInt64 {
        let (sum, overflow) = schedule.addingReportingOverflow(heldTotal)
        return overflow ? .max : sum
    }

    static func seconds(_ micros: UInt64) -> Double { Double(micros) / 1_000_000 }

    static func micros(_ seconds: Double) -> UInt64 {
        seconds <= 0 ? 0 : UInt64((seconds * 1_000_000).rounded(.up))
    }

    /// The earliest of the firmware's own timers.
    @inline(__always) var internalDeadline: UInt64? {
        var deadline: UInt64?
        func consider(_ time: UInt64?) {
            guard let time else { return }
            deadline = min(deadline ?? .max, time)
        }
        consider(activityDeadline)
        consider(resumeReadyAt)
        consider(queueStartDeadline)
        consider(watchdogDeadline)
        consider(batchDeadline)
        consider(stallCheckAt)
        consider(stallClearAt)
        if nextResetIndex < setup.faults.resets.count { consider(powerUpTime + setup.faults.resets[nextResetIndex]) }
        consider(dipResetAt)
        if nextStallIndex < setup.faults.stalls.count {
            consider(powerUpTime + setup.faults.stalls[nextStallIndex].start)
        }
        return deadline
    }

    /// Runs every timer due up to `time`, in order, advancing the physics between them.
    mutating func runDue(until time: UInt64) {
        guard time >= now else { return }
        while let deadline = internalDeadline, deadline <= time {
            advancePhysics(to: max(deadline, now))
            now = max(deadline, now)
            fireTimers()
        }
        advancePhysics(to: time)
        now = time
    }

    mutating func advancePhysics(to time: UInt64) {
        strokeScratch.removeAll(keepingCapacity: true)
        physics.advance(to: Self.seconds(time), into: &strokeScratch)
        for event in strokeScratch { record(event) }
    }

    mutating func fireTimers() {
        if nextResetIndex < setup.faults.resets.count && powerUpTime + setup.faults.resets[nextResetIndex] <= now {
            nextResetIndex += 1
            brownOut()
        }
        if let due = dipResetAt, due <= now {
            dipResetAt = nil
            brownOut()
        }
        if nextStallIndex < setup.faults.stalls.count && powerUpTime + setup.faults.stalls[nextStallIndex].start <= now
        {
            let window = setup.faults.stalls[nextStallIndex]
            nextStallIndex += 1
            physics.stallMotor(at: Self.seconds(now))
            stallClearAt = powerUpTime + window.end
            // The firmware notices a jam from the motor current within a couple of milliseconds.
            stallCheckAt = now + 2000
        }
        if let check = stallCheckAt, check <= now {
            stallCheckAt = nil
            if physics.motor.stalled && physics.motor.target > 0 && state != .safe {
                raise(.motorStall, value: 0, dotID: currentDotID)
            }
        }
        if let clear = stallClearAt, clear <= now {
            stallClearAt = nil
            physics.clearMotorStall(at: Self.seconds(now))
        }
        if let watchdog = watchdogDeadline, watchdog <= now {
            let silence = now - (session.lastHeardAt ?? 0)
            raise(.watchdog, value: Int64(silence), dotID: currentDotID)
        }
        if let ready = resumeReadyAt, ready <= now { finishResume() }
        if let due = activityDeadline, due <= now { stepActivity() }
        if let start = queueStartDeadline, start <= now { startNextCommand() }
        if let due = batchDeadline, due <= now { flushCompletions() }
    }

    // MARK: Watchdog and link

    /// When host silence trips the watchdog: only while armed (in the safe state there is nothing to stop).
    @inline(__always) var watchdogDeadline: UInt64? {
        guard state != .safe else { return nil }
        return (session.lastHeardAt ?? armedAt) + setup.board.watchdogMicros
    }

    /// When the board was last armed: the watchdog counts from there if the host has said nothing since.
    var armedAt: UInt64

    mutating func handle(_ event: SessionEvent) {
        switch event {
        case .established:
            // A new session starts with an empty queue (Protocol.md §3): commands of the old session that have not
            // started are discarded, so the credit the session's first frame carries is the new host's to use. The dot
            // in progress, if any, finishes and is reported. Reconnecting never arms; reports left unacknowledged are
            // carried into the new session by WireSession itself.
            discardQueuedCommands()
        case .helloReceived, .refused, .peerRestarted, .linkFailed:
            break
        case .message(let message):
            handleQueued(message)
        case .priority(let message):
            handlePriority(message)
        case .frameError:
            summary.frameErrors += 1
            noteFrameError()
        case .malformedMessage(_, let type):
            summary.frameErrors += 1
            raise(.malformedCommand, value: Int64(type), dotID: 0)
        }
    }

    /// More than 20 frame errors within one second: a frame-check storm.
    mutating func noteFrameError() {
        // Only the last 21 errors matter: the storm is the 21st within one second of the first of them.
        frameErrorTimes.append(now)
        if frameErrorTimes.count > 21 { frameErrorTimes.removeFirst(frameErrorTimes.count - 21) }
        let windowStart = now >= 1_000_000 ? now - 1_000_000 : 0
        frameErrorTimes.removeAll { $0 < windowStart }
        if frameErrorTimes.count > 20 && state != .safe {
            raise(.frameCheckStorm, value: Int64(frameErrorTimes.count), dotID: currentDotID)
        }
    }

    // MARK: Output

    mutating func send(_ message: Message) {
        outbox.append(message)
    }

    /// Moves what the session can take from the outbox and returns the bytes to write.
    mutating func flushOutput() -> [UInt8] {
        let credit = max(0, setup.board.queueCapacity - occupiedSlots)
        session.localCredit = UInt32(credit)
        // Freed slots reach the host on whatever frame goes next; a link-only frame just for them only when a
        // quarter of the queue has freed unannounced, or the queue has run empty: enough to keep the host's trains
        // flowing without a credit frame per dot.
        let step = max(1, setup.board.queueCapacity / 4)
        if session.isEstablished
            && (credit >= advertisedCredit + step || (credit == setup.board.queueCapacity && advertisedCredit < credit))
        {
            session.scheduleLinkFrame()
        }
        if session.isEstablished {
            var sent = 0
            while sent < outbox.count && session.canSend {
                do {
                    try session.send(outbox[sent], now: now)
                } catch {
                    break
                }
                sent += 1
            }
            if sent > 0 { outbox.removeFirst(sent) }
        }
        session.watchdogArmed = state != .safe
        let (bytes, _) = session.poll(now: now)
        // Anything longer than a heartbeat byte is a frame, and every frame of ours carries the credit.
        if bytes.count > 1 { advertisedCredit = credit }
        summary.bytesSent += UInt64(bytes.count)
        return bytes
    }

    mutating func sendStatus() {
        let position = physicsPosition
        let motor = physics.motor.rate(at: Self.seconds(now))
        let status = BoardStatus(
            boardTime: now, scheduleTime: scheduleTime, state: state,
            queueDepth: UInt32(queue.count - queueHead), queueFree: session.localCredit,
            xMicrometres: Int32((position.x * 1000).rounded()),
            yMicrometres: Int32((position.y * 1000).rounded()),
            zMicrometres: Int32((position.z * 1000).rounded()),
            motorCentihertz: UInt32(max(0, motor * 100).rounded()),
            lastCompletedDot: lastCompletedDot, activeFault: activeFault ?? FaultCode.none,
            dotInProgress: currentDotID, surfaceMode: surfaceMap.mode)
        send(.status(status))
    }

    @inline(__always) var physicsPosition: (x: Double, y: Double, z: Double) {
        let time = Self.seconds(now)
        return (physics.x.position(at: time), physics.y.position(at: time), physics.z.position(at: time))
    }

    mutating func setState(_ newState: BoardState) {
        guard newState != state else { return }
        state = newState
        sendStatus()
    }

    /// The operator fitted another cartridge (the board is safe): the hang zero is unknown until a touch-off at a
    /// stored node, so the map turns unverified.
    mutating func fitCartridge(_ name: String) {
        let reference = setup.catalogue?.cartridge(named: setup.cartridge)
        if name == setup.cartridge {
            physics.fitCartridge(
                needleCount: setup.handpiece.needle.count, diameterMM: setup.handpiece.needle.diameterMM,
                membraneLossMM: setup.handpiece.membraneLossMM.value, offsetMM: 0)
        } else if let fitted = setup.catalogue?.cartridge(named: name) {
            physics.fitCartridge(
                needleCount: fitted.needleCount, diameterMM: fitted.diameterMM,
                membraneLossMM: fitted.membraneLoss.nominalMM,
                offsetMM: fitted.needleLengthOffsetMM - (reference?.needleLengthOffsetMM ?? 0))
        } else {
            // Not a cartridge this board knows: refused by name; the board stays safe with the old one.
            reportFault(.malformedCommand, value: Int64(MessageType.cartridgeFitted.rawValue), dotID: 0)
            return
        }
        cartridge = name
        cartridgeHistory.append(name)
        surfaceMap.invalidateZero()
        announceSurfaceMode()
        sendStatus()
    }

    /// Frees queue slots; ``flushOutput()`` decides when the host must hear of them.
    mutating func releaseSlots(_ count: Int) {
        occupiedSlots = max(0, occupiedSlots - count)
    }
}
