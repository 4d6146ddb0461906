import SMPBoardSim
import SMPHardware
import SMPWire

/// A realistic treatment session over a reliable session pair in virtual time, for measuring what the protocol costs
/// on the wire and how fast it repairs losses (the wire benchmarks, and tests at small scale).
///
/// The dots: a 1 mm jittered grid walked row by row in alternating directions, positions to 10 µm, the hang constant
/// per region (bands of 4 cm: 1.1, 1.2, 1.3 mm), since hangs are local to the surface the board measured. Dot timing follows the board's kinematics:
/// X/Y trapezoid to the site, Z down by lift + hang and back, strokes at the stroke rate, each dot's duration rounded
/// up to 1 ms. The lift (needle-tip clearance over the skin while travelling) is 0.3 mm: six times the ~50 µm to which
/// a probed height mesh knows the surface. The board model executes nothing physical; it reports as Docs/Protocol.md says a board does: a
/// completion per dot when its time is over (four strokes' peak loads), batched (flushed at 32 records or 6 s),
/// credit as slots free up, status when queried.
public struct SessionScenario: Sendable {
    public struct Configuration: Sendable {
        public var dotCount: Int
        public var seed: UInt64
        public var impairments: VirtualLink.Impairments
        public var strokesPerDot: UInt8 = 4
        public var strokeRateCentihertz: UInt32 = 12_000
        public var liftMicrometres: UInt32 = 300
        /// The host sends a train when at least this many queue slots are free (or the plan's tail remains).
        public var trainSize: Int = 64
        /// How often the host asks for status (clock sync).
        public var statusInterval: UInt64 = 30_000_000
        public var completionBatchSize: Int = 32
        public var completionBatchAge: UInt64 = 6_000_000
        /// Keep both directions' bytes in the result (for captures and analysis).
        public var recordsCaptures = false

        public init(dotCount: Int, seed: UInt64 = 1, impairments: VirtualLink.Impairments = .none) {
            self.dotCount = dotCount
            self.seed = seed
            self.impairments = impairments
        }
    }

    public struct Result: Sendable {
        public var dots: Int
        public var completedDots: Int
        public var sessionMicroseconds: UInt64
        public var hostToBoardBytes: UInt64
        public var boardToHostBytes: UInt64
        /// For every sequenced frame the link dropped: microseconds from the loss to the message's delivery.
        public var repairLatencies: [UInt64]
        public var duplicateDeliveries: Int
        public var outOfOrderDeliveries: Int
        public var hostStatistics: WireSession.Statistics
        public var boardStatistics: WireSession.Statistics
        public var hostToBoardCapture: [UInt8]?
        public var boardToHostCapture: [UInt8]?

        public var hostToBoardBytesPerDot: Double { Double(hostToBoardBytes) / Double(max(dots, 1)) }
        public var boardToHostBytesPerDot: Double { Double(boardToHostBytes) / Double(max(dots, 1)) }
    }

    /// The dots of a session, with start times from the kinematics.
    public static func dots(
        count: Int, seed: UInt64, limits: BoardLimits = BoardLimits(BoardDefinition.r1), liftMicrometres: UInt32 = 300,
        strokesPerDot: Int = 4, strokeRateHertz: Double = 120
    ) -> [DotCommand] {
        var random = SeededGenerator(seed: seed)
        let columns = 100
        var dots: [DotCommand] = []
        dots.reserveCapacity(count)
        var time: UInt64 = 1_000_000
        var previous: (x: Double, y: Double)?
        for index in 0..<count {
            let row = index / columns
            let column = row % 2 == 0 ? index % columns : columns - 1 - index % columns
            func jitter() -> Double { (Double(random.next() % 601) - 300) }
            let x = (50_000 + Double(column) * 1_000 + jitter()).rounded(toMultipleOf: 10)
            let y = (50_000 + Double(row) * 1_000 + jitter()).rounded(toMultipleOf: 10)
            let hang = Double(regionHangs[(row / rowsPerRegion) % regionHangs.count])
            if let previous {
                let distance = ((x - previous.x) * (x - previous.x) + (y - previous.y) * (y - previous.y)).squareRoot()
                let xy = trapezoidSeconds(
                    distance, speed: Double(limits.maxSpeedXYMicrometresPerSecond),
                    acceleration: Double(limits.maxAccelerationXYMicrometresPerSecond2))
                let dip =
                    2
                    * trapezoidSeconds(
                        Double(liftMicrometres) + hang, speed: Double(limits.maxSpeedZMicrometresPerSecond),
                        acceleration: Double(limits.maxAccelerationZMicrometresPerSecond2))
                let strokes = Double(strokesPerDot) / strokeRateHertz
                let milliseconds = ((xy + dip + strokes) * 1_000).rounded(.up)
                time += UInt64(milliseconds) * 1_000
            }
            previous = (x, y)
            dots.append(
                DotCommand(
                    id: UInt32(index + 1), startTime: time, xMicrometres: Int32(x), yMicrometres: Int32(y),
                    hangMicrometres: Int32(hang)))
        }
        return dots
    }

    /// Hangs are local (depth past the surface the board measured), so a host sends one hang per region of the plan:
    /// bands of 40 rows (4 cm), as a hairline, a top and a crown region would be.
    static let regionHangs: [Int32] = [1_100, 1_200, 1_300]
    static let rowsPerRegion = 40

    static func trapezoidSeconds(_ distance: Double, speed: Double, acceleration: Double) -> Double {
        guard distance > 0 else { return 0 }
        return distance >= speed * speed / acceleration
            ? distance / speed + speed / acceleration : 2 * (distance / acceleration).squareRoot()
    }

    public static func run(_ configuration: Configuration) -> Result {
        var scenario = Run(configuration)
        return scenario.execute()
    }
}

extension Double {
    fileprivate func rounded(toMultipleOf step: Double) -> Double { (self / step).rounded() * step }
}

/// One execution of a scenario.
private struct Run {
    let configuration: SessionScenario.Configuration
    var pair: SessionPair
    let dots: [DotCommand]
    var nextToSend = 0
    /// Board side: dots queued, and completions waiting to be sent.
    var boardQueue: [DotCommand] = []
    var pendingCompletions: [DotCompletion] = []
    var firstPendingAt: UInt64?
    var lastFinishedAt: UInt64 = 0
    var completedIDs: [UInt32] = []
    var nextStatusAt: UInt64 = 0
    var lossTimes: [LossKey: UInt64] = [:]
    var repairLatencies: [UInt64] = []
    var delivered: Set<LossKey> = []
    var duplicates = 0
    var outOfOrder = 0
    let queueCapacity = 128

    enum LossKey: Hashable {
        case train(firstID: UInt32)
        case completions(firstID: UInt32)
        case other(type: UInt8, time: UInt64)
    }

    init(_ configuration: SessionScenario.Configuration) {
        self.configuration = configuration
        var identity = BoardHello(
            sessionID: 0, boardModel: "smp-driver-r1", firmwareVersion: "scenario", serialNumber: "0",
            clockHertz: 1_000_000, queueCapacity: UInt16(queueCapacity), limits: BoardLimits(BoardDefinition.r1),
            boardTime: 0, lastCompletedDot: 0, pendingCompletions: 0, handpieceModel: "rotary-r1", cartridge: "",
            surfaceMode: .flat)
        identity.queueCapacity = UInt16(queueCapacity)
        pair = SessionPair(
            boardIdentity: identity,
            hostToBoard: VirtualLink(impairments: configuration.impairments, seed: configuration.seed &+ 11),
            boardToHost: VirtualLink(impairments: configuration.impairments, seed: configuration.seed &+ 12))
        if configuration.recordsCaptures {
            pair.hostToBoard.capture = []
            pair.boardToHost.capture = []
        }
        pair.hostToBoard.recordsLosses = true
        pair.boardToHost.recordsLosses = true
        dots = SessionScenario.dots(
            count: configuration.dotCount, seed: configuration.seed,
            liftMicrometres: configuration.liftMicrometres,
            strokesPerDot: Int(configuration.strokesPerDot),
            strokeRateHertz: Double(configuration.strokeRateCentihertz) / 100)
        pair.board.localCredit = UInt32(queueCapacity)
    }

    static func key(of message: Message) -> LossKey? {
        switch message {
        case .dotTrain(let train): train.dots.first.map { .train(firstID: $0.id) }
        case .completions(let batch): batch.completions.first.map { .completions(firstID: $0.dotID) }
        default: nil
        }
    }

    mutating func execute() -> SessionScenario.Result {
        _ = pair.connect(sessionID: UInt32(truncatingIfNeeded: configuration.seed) | 1)
        // Armed for the whole session, as in a treatment: the board asks for beats when the host falls silent.
        pair.board.watchdogArmed = true
        let bytesAtStart = (pair.hostToBoard.counters.bytes, pair.boardToHost.counters.bytes)
        let start = pair.now
        let deadline = (dots.last?.startTime ?? 0) + 60_000_000
        while completedIDs.count < dots.count, pair.now < deadline {
            hostWork()
            boardWork()
            pair.step()
            noteLosses()
            handleEvents()
            var next = pair.nextTime
            if let head = boardQueue.first { next = min(next, max(pair.now + 1, finishTime(of: head))) }
            if let first = firstPendingAt {
                next = min(next, max(pair.now + 1, first + configuration.completionBatchAge))
            }
            if nextToSend < dots.count { next = min(next, max(pair.now + 1, nextSendTime)) }
            pair.advance(to: next)
        }
        // Let the last acknowledgements settle so that both directions are counted in full.
        pair.run(until: pair.now + 50_000)
        return SessionScenario.Result(
            dots: dots.count, completedDots: completedIDs.count, sessionMicroseconds: pair.now - start,
            hostToBoardBytes: pair.hostToBoard.counters.bytes - bytesAtStart.0,
            boardToHostBytes: pair.boardToHost.counters.bytes - bytesAtStart.1,
            repairLatencies: repairLatencies, duplicateDeliveries: duplicates, outOfOrderDeliveries: outOfOrder,
            hostStatistics: pair.host.statistics, boardStatistics: pair.board.statistics,
            hostToBoardCapture: pair.hostToBoard.capture, boardToHostCapture: pair.boardToHost.capture)
    }

    /// The host sends the next train once enough slots are free and its first dot is within two seconds.
    var nextSendTime: UInt64 {
        guard nextToSend < dots.count else { return .max }
        return dots[nextToSend].startTime > 2_000_000 ? dots[nextToSend].startTime - 2_000_000 : 0
    }

    func finishTime(of dot: DotCommand) -> UInt64 {
        let index = Int(dot.id) - 1
        return index + 1 < dots.count ? dots[index + 1].startTime : dot.startTime + 170_000
    }

    mutating func hostWork() {
        guard pair.host.isEstablished else { return }
        if pair.now >= nextStatusAt, pair.host.canSend {
            try? pair.host.send(.statusQuery, now: pair.now)
            nextStatusAt = pair.now + configuration.statusInterval
        }
        let remaining = dots.count - nextToSend
        let wanted = min(configuration.trainSize, remaining)
        guard wanted > 0, pair.host.availableCredit >= wanted, pair.now >= nextSendTime, pair.host.canSend else {
            return
        }
        let slice = Array(dots[nextToSend..<nextToSend + min(wanted, pair.host.availableCredit)])
        guard
            let trains = try? DotTrain.pack(
                slice, strokesPerDot: configuration.strokesPerDot,
                strokeRateCentihertz: configuration.strokeRateCentihertz,
                liftMicrometres: configuration.liftMicrometres)
        else { return }
        for (index, train) in trains.enumerated() where pair.host.canSend {
            // A short last train costs a whole header for a few dots: keep its dots for the next, fuller one,
            // unless they are the end of the plan.
            let isShortTail = index == trains.count - 1 && index > 0 && train.dots.count < DotTrain.maximumDots / 2
            if isShortTail && nextToSend + train.dots.count < dots.count { break }
            try? pair.host.send(.dotTrain(train), now: pair.now)
            nextToSend += train.dots.count
        }
    }

    mutating func boardWork() {
        guard pair.board.isEstablished else { return }
        while let head = boardQueue.first, finishTime(of: head) <= pair.now {
            boardQueue.removeFirst()
            let loads: [UInt8] = [45, 20, 19, 19].map { $0 &+ UInt8(truncatingIfNeeded: head.id % 3) }
            pendingCompletions.append(
                DotCompletion(
                    dotID: head.id, outcome: .completed,
                    peakLoads: Array(loads.prefix(Int(configuration.strokesPerDot)))))
            lastFinishedAt = finishTime(of: head)
            if firstPendingAt == nil { firstPendingAt = pair.now }
            pair.board.localCredit = UInt32(queueCapacity - boardQueue.count)
        }
        let old = firstPendingAt.map { pair.now >= $0 + configuration.completionBatchAge } ?? false
        if pendingCompletions.count >= configuration.completionBatchSize || old, pair.board.canSend {
            let batch = Array(pendingCompletions.prefix(CompletionBatch.maximumCompletions))
            try? pair.board.send(
                .completions(CompletionBatch(finishedAt: lastFinishedAt, completions: batch)), now: pair.now)
            pendingCompletions.removeFirst(batch.count)
            firstPendingAt = pendingCompletions.isEmpty ? nil : pair.now
        }
    }

    mutating func noteLosses() {
        for link in [pair.hostToBoard.takeLosses(), pair.boardToHost.takeLosses()] {
            for loss in link {
                var decoder = FrameDecoder()
                decoder.feed(loss.bytes) { event in
                    guard case .frame(let frame, _) = event, case .sequenced(_, let raw) = frame.body,
                        let message = try? Message(decoding: raw), let key = Run.key(of: message),
                        !delivered.contains(key), lossTimes[key] == nil
                    else { return }
                    lossTimes[key] = loss.time
                }
            }
        }
    }

    mutating func handleEvents() {
        for event in pair.boardEvents {
            switch event {
            case .message(let message):
                note(delivery: message)
                if case .dotTrain(let train) = message {
                    if let last = boardQueue.last, let first = train.dots.first, first.id <= last.id { outOfOrder += 1 }
                    boardQueue += train.dots
                    pair.board.localCredit = UInt32(max(0, queueCapacity - boardQueue.count))
                }
            case .priority(.statusQuery):
                let status = BoardStatus(
                    boardTime: pair.now, scheduleTime: pair.now, state: boardQueue.isEmpty ? .ready : .running,
                    queueDepth: UInt32(boardQueue.count), queueFree: UInt32(queueCapacity - boardQueue.count),
                    xMicrometres: 100_000, yMicrometres: 100_000, zMicrometres: -800, motorCentihertz: 12_000,
                    lastCompletedDot: completedIDs.last ?? 0, activeFault: .none, dotInProgress: 0, surfaceMode: .flat)
                if pair.board.canSend { try? pair.board.send(.status(status), now: pair.now) }
            default:
                break
            }
        }
        for event in pair.hostEvents {
            guard case .message(let message) = event else { continue }
            note(delivery: message)
            if case .completions(let batch) = message {
                for completion in batch.completions {
                    if let last = completedIDs.last, completion.dotID <= last {
                        duplicates += 1
                    } else {
                        completedIDs.append(completion.dotID)
                    }
                }
            }
        }
        pair.clearEvents()
    }

    mutating func note(delivery message: Message) {
        guard let key = Run.key(of: message) else { return }
        delivered.insert(key)
        if let lost = lossTimes.removeValue(forKey: key) { repairLatencies.append(pair.now - lost) }
    }
}

/// A dense stream for measuring loss repair: both sides send a sequenced frame every `interval` (the host a full
/// 60-dot train, the board a 32-record completion batch) for `duration`, through links that drop frames at `loss`.
/// Returns, for every sequenced frame the links dropped, the microseconds from its loss to its delivery.
public enum RepairScenario {
    public static func repairLatencies(
        duration: UInt64, interval: UInt64 = 50_000, loss: Double = 1e-3, seed: UInt64 = 1
    ) -> (latencies: [UInt64], undelivered: Int) {
        let identity = BoardHello(
            sessionID: 0, boardModel: "smp-driver-r1", firmwareVersion: "repair", serialNumber: "0",
            clockHertz: 1_000_000, queueCapacity: 60_000, limits: BoardLimits(BoardDefinition.r1), boardTime: 0,
            lastCompletedDot: 0, pendingCompletions: 0, handpieceModel: "rotary-r1", cartridge: "", surfaceMode: .flat)
        var pair = SessionPair(
            boardIdentity: identity,
            hostToBoard: VirtualLink(impairments: VirtualLink.Impairments(frameLoss: loss), seed: seed &+ 21),
            boardToHost: VirtualLink(impairments: VirtualLink.Impairments(frameLoss: loss), seed: seed &+ 22))
        pair.hostToBoard.recordsLosses = true
        pair.boardToHost.recordsLosses = true
        _ = pair.connect()
        let template = SessionScenario.dots(count: 60, seed: seed)
        var sent = 0
        var lostAt: [UInt32: UInt64] = [:]
        // A lost retransmission of a message already delivered (its acknowledgement was lost) needs no repair.
        var delivered: Set<UInt32> = []
        var latencies: [UInt64] = []
        var nextSend = pair.now
        let end = pair.now + duration
        func key(_ message: Message) -> UInt32? {
            switch message {
            case .dotTrain(let train): train.dots.first?.id
            case .completions(let batch): batch.completions.first.map { $0.dotID | 0x8000_0000 }
            default: nil
            }
        }
        while pair.now < end {
            if pair.now >= nextSend {
                let base = UInt32(sent * 64 + 1)
                let dots = template.enumerated().map { index, dot in
                    DotCommand(
                        id: base + UInt32(index), startTime: dot.startTime + UInt64(sent) * 10_000_000,
                        xMicrometres: dot.xMicrometres, yMicrometres: dot.yMicrometres,
                        hangMicrometres: dot.hangMicrometres)
                }
                if pair.host.canSend,
                    let train = try? DotTrain.pack(
                        dots, strokesPerDot: 4, strokeRateCentihertz: 12_000, liftMicrometres: 300
                    ).first
                {
                    try? pair.host.send(.dotTrain(train), now: pair.now)
                }
                if pair.board.canSend {
                    let completions = (0..<32).map {
                        DotCompletion(dotID: base + UInt32($0), outcome: .completed, peakLoads: [45, 20, 19, 19])
                    }
                    try? pair.board.send(
                        .completions(CompletionBatch(finishedAt: pair.now, completions: completions)), now: pair.now)
                }
                sent += 1
                nextSend += interval
            }
            pair.step()
            for loss in pair.hostToBoard.takeLosses() + pair.boardToHost.takeLosses() {
                var decoder = FrameDecoder()
                decoder.feed(loss.bytes) { event in
                    guard case .frame(let frame, _) = event, case .sequenced(_, let raw) = frame.body,
                        let message = try? Message(decoding: raw), let id = key(message), lostAt[id] == nil,
                        !delivered.contains(id)
                    else { return }
                    lostAt[id] = loss.time
                }
            }
            for case .message(let message) in pair.hostEvents + pair.boardEvents {
                guard let id = key(message) else { continue }
                delivered.insert(id)
                if let lost = lostAt.removeValue(forKey: id) { latencies.append(pair.now - lost) }
            }
            pair.clearEvents()
            pair.advance(to: min(pair.nextTime, max(nextSend, pair.now + 1)))
        }
        pair.run(until: pair.now + 1_000_000)
        for case .message(let message) in pair.hostEvents + pair.boardEvents {
            if let id = key(message), let lost = lostAt.removeValue(forKey: id) { latencies.append(pair.now - lost) }
        }
        return (latencies, lostAt.count)
    }
}
