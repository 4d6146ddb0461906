import SMPBoardSim
import SMPHardware
import SMPWire

/// The dots of a realistic treatment session, for the wire benchmarks' codec figures and the loss-repair stream.
///
/// A 1 mm jittered grid walked row by row in alternating directions, positions to 10 µm, the hang constant per region
/// (bands of 4 cm: 1.1, 1.2, 1.3 mm), since hangs are local to the surface the board measured. Start times follow
/// the board's kinematics: X/Y trapezoid to the site, Z down by lift + hang and back, strokes at the stroke rate,
/// each dot's duration rounded up to 1 ms. What a whole session costs on the wire is measured on the controller's
/// own session (WireBenchmarks, Docs/Performance.md), not here.
public enum SessionScenario {
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
}

extension Double {
    fileprivate func rounded(toMultipleOf step: Double) -> Double { (self / step).rounded() * step }
}

/// A dense stream for measuring loss repair: both sides send a sequenced frame every `interval` (the host a full
/// 60-dot train, the board a 32-record completion batch) for `duration`, through links that drop frames at `loss`
/// (and damage or repeat them at `corruption` and `duplication`). Returns, for every sequenced frame the links
/// dropped, the microseconds from its loss to its delivery; the frames never delivered; and the messages delivered
/// twice or out of their sending order (each must be 0: the session delivers exactly once, in order).
public enum RepairScenario {
    public static func repairLatencies(
        duration: UInt64, interval: UInt64 = 50_000, loss: Double = 1e-3, corruption: Double = 0,
        duplication: Double = 0, seed: UInt64 = 1
    ) -> (latencies: [UInt64], undelivered: Int, duplicates: Int, outOfOrder: Int) {
        let identity = BoardHello(
            sessionID: 0, boardModel: "smp-driver-r1", firmwareVersion: "repair", serialNumber: "0",
            clockHertz: 1_000_000, queueCapacity: 60_000, limits: BoardLimits(BoardDefinition.r1), boardTime: 0,
            lastCompletedDot: 0, pendingCompletions: 0, handpieceModel: "rotary-r1", cartridge: "", surfaceMode: .flat)
        let impairments = VirtualLink.Impairments(
            frameLoss: loss, frameCorruption: corruption, frameDuplication: duplication)
        var pair = SessionPair(
            boardIdentity: identity, hostToBoard: VirtualLink(impairments: impairments, seed: seed &+ 21),
            boardToHost: VirtualLink(impairments: impairments, seed: seed &+ 22))
        pair.hostToBoard.recordsLosses = true
        pair.boardToHost.recordsLosses = true
        _ = pair.connect()
        let template = SessionScenario.dots(count: 60, seed: seed)
        var sent = 0
        var lostAt: [UInt32: UInt64] = [:]
        // A lost retransmission of a message already delivered (its acknowledgement was lost) needs no repair.
        var delivered: Set<UInt32> = []
        var latencies: [UInt64] = []
        var duplicates = 0
        var outOfOrder = 0
        var lastDelivered: [Bool: UInt32] = [:]
        var nextSend = pair.now
        let end = pair.now + duration
        func key(_ message: Message) -> UInt32? {
            switch message {
            case .dotTrain(let train): train.dots.first?.id
            case .completions(let batch): batch.completions.first.map { $0.dotID | 0x8000_0000 }
            default: nil
            }
        }
        func deliver(_ message: Message) {
            guard let id = key(message) else { return }
            if !delivered.insert(id).inserted { duplicates += 1 }
            let fromBoard = id & 0x8000_0000 != 0
            if let last = lastDelivered[fromBoard], id <= last { outOfOrder += 1 }
            lastDelivered[fromBoard] = id
            if let lost = lostAt.removeValue(forKey: id) { latencies.append(pair.now - lost) }
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
            for case .message(let message) in pair.hostEvents + pair.boardEvents { deliver(message) }
            pair.clearEvents()
            pair.advance(to: min(pair.nextTime, max(nextSend, pair.now + 1)))
        }
        pair.run(until: pair.now + 1_000_000)
        for case .message(let message) in pair.hostEvents + pair.boardEvents { deliver(message) }
        return (latencies, lostAt.count, duplicates, outOfOrder)
    }
}
