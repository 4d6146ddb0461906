import DequeModule
import Foundation
import SMPHardware
import SMPWire

/// One direction of a serial link with injected faults, in true time (µs since power-up): bytes go in as writes,
/// come out later, possibly damaged. Deterministic by seed; order is kept, as on a real serial line.
public struct LinkFaultInjector: Sendable {
    /// How a USB full-speed CDC link times bytes (on unless the plan says `usb=off`): a write leaves at the next 1 ms
    /// USB frame boundary, arrives 0.5-1 ms after it (driver and controller latency, uniform), and the link now and
    /// then stalls for 5-20 ms (a busy hub, the host controller's scheduling): everything written meanwhile leaves
    /// at the end of the stall. Order is kept.
    public enum USBTiming {
        public static let frameMicros: UInt64 = 1_000
        public static let latencyMicros: ClosedRange<UInt64> = 500...1_000
        /// Chance that a frame carrying data starts a stall, and the stall's length (uniform).
        public static let stallProbability = 1.0 / 2_000
        public static let stallMicros: ClosedRange<UInt64> = 5_000...20_000
    }

    /// What happened on this direction so far.
    public struct Counters: Sendable, Equatable, Codable {
        public var writes = 0
        public var bytesSent = 0
        public var bytesDelivered = 0
        public var bitsFlipped = 0
        /// Frames (or delimiter-less write fragments) lost or delivered twice.
        public var framesDropped = 0
        public var framesDuplicated = 0
        public var bytesLostToDisconnect = 0
        /// USB stalls and their total length (µs).
        public var stalls = 0
        public var stalledMicros: UInt64 = 0
    }

    /// A frame lost on purpose (``FaultPlan/FrameLoss``), and when its content got through after all.
    public struct TargetedLoss: Sendable, Equatable {
        public var messageType: MessageType
        public var occurrence: Int
        /// The lost frame's sequence number.
        public var sequence: UInt8
        /// True time (µs) of the write that carried it, and when it would have arrived had it not been lost.
        public var sentAt: UInt64
        public var dueAt: UInt64
        /// True time of the write carrying the next transmission of the same frame (same sequence number and message
        /// type) that was not lost, and when it arrived; nil until there is one.
        public var resentAt: UInt64?
        public var redeliveredAt: UInt64?
    }

    /// The frames lost on purpose so far, in order.
    public private(set) var targetedLosses: [TargetedLoss] = []
    /// Sequenced frames seen per message type the plan targets.
    private var targetedFramesSeen: [MessageType: Int] = [:]

    private struct InFlight: Sendable {
        var time: UInt64
        var bytes: [UInt8]
    }

    public let plan: FaultPlan
    public private(set) var counters = Counters()
    private var random: SeededGenerator
    private var usbRandom: SeededGenerator
    private var inFlight: Deque<InFlight> = []
    private var lastDelivery: UInt64 = 0
    /// The last USB frame that carried data, and the end of the current stall.
    private var lastUSBFrame: UInt64?
    private var stalledUntil: UInt64 = 0
    /// Bytes to go before the next corrupted one (geometric skip: one draw per corruption, not per byte).
    private var bytesUntilCorruption: Int = .max

    /// A link direction; `label` (e.g. `"host-to-board"`) picks an independent random stream of `seed`.
    public init(plan: FaultPlan, seed: UInt64, label: String) {
        self.plan = plan
        random = SeededGenerator(seed: seed, stream: "link.\(label)")
        usbRandom = SeededGenerator(seed: seed, stream: "usb.\(label)")
        bytesUntilCorruption = drawGap()
    }

    /// Sends one write at true time `time`.
    public mutating func send(_ bytes: [UInt8], at time: UInt64) {
        guard !bytes.isEmpty else { return }
        counters.writes += 1
        counters.bytesSent += bytes.count
        if plan.linkIsClean {
            enqueue(bytes, at: max(time, lastDelivery))
            return
        }
        if plan.isDisconnected(at: time) {
            counters.bytesLostToDisconnect += bytes.count
            return
        }
        var payload: [UInt8] = []
        payload.reserveCapacity(bytes.count)
        let targeting =
            targetedLosses.count < plan.frameLosses.count || targetedLosses.contains { $0.redeliveredAt == nil }
        var lostHere: [Int] = []
        var redeliveredHere: [Int] = []
        if plan.dropProbability > 0 || plan.duplicateProbability > 0 || targeting {
            // Drop and duplication act on frames: each run of bytes up to and including a delimiter (0x7E), so that a
            // write carrying several frames loses or repeats them one by one, as a real link would.
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != 0x7E { end += 1 }
                end = min(end + 1, bytes.count)
                let frame = bytes[start..<end]
                start = end
                let sequenced = targeting ? Self.sequencedMessage(in: frame) : nil
                if let sequenced, let loss = targetedLoss(of: sequenced, at: time) {
                    lostHere.append(loss)
                    counters.framesDropped += 1
                    continue
                }
                if plan.dropProbability > 0 && random.nextUnit() < plan.dropProbability {
                    counters.framesDropped += 1
                    continue
                }
                if let sequenced,
                    let index = targetedLosses.indices.first(where: { index in
                        let loss = targetedLosses[index]
                        return loss.redeliveredAt == nil && !lostHere.contains(index)
                            && loss.sequence == sequenced.sequence && loss.messageType == sequenced.type
                    })
                {
                    redeliveredHere.append(index)
                }
                payload += frame
                if plan.duplicateProbability > 0 && random.nextUnit() < plan.duplicateProbability {
                    counters.framesDuplicated += 1
                    payload += frame
                }
            }
            // A write that lost only a targeted frame still went over the link: its arrival time is what the lost
            // frame would have had.
            guard !payload.isEmpty || !lostHere.isEmpty else { return }
        } else {
            payload = bytes
        }
        if plan.corruptProbability > 0 { corrupt(&payload) }
        var due = (plan.usbTiming ? usbArrival(ofWriteAt: time) : time) + plan.delayMicros
        if plan.jitterMicros > 0 { due += UInt64(random.nextUnit() * Double(plan.jitterMicros + 1)) }
        due = max(due, lastDelivery)
        for index in lostHere { targetedLosses[index].dueAt = due }
        for index in redeliveredHere {
            targetedLosses[index].resentAt = time
            targetedLosses[index].redeliveredAt = due
        }
        guard !payload.isEmpty else { return }
        enqueue(payload, at: due)
    }

    /// The sequence number and message type of a sequenced frame (its bytes up to and including the delimiter);
    /// nil for anything else.
    private static func sequencedMessage(in frame: ArraySlice<UInt8>) -> (sequence: UInt8, type: MessageType)? {
        var decoder = FrameDecoder()
        var found: (UInt8, MessageType)?
        decoder.feed(frame) { event in
            if case .frame(let decoded, _) = event, case .sequenced(let sequence, let message) = decoded.body,
                let type = MessageType(rawValue: message.type)
            {
                found = (sequence, type)
            }
        }
        return found
    }

    /// Counts a sequenced frame of a targeted type; when it is the occurrence a ``FaultPlan/FrameLoss`` names,
    /// records the loss (its arrival time follows) and returns its index in ``targetedLosses``.
    private mutating func targetedLoss(of frame: (sequence: UInt8, type: MessageType), at time: UInt64) -> Int? {
        guard plan.frameLosses.contains(where: { $0.messageType == frame.type }) else { return nil }
        let seen = (targetedFramesSeen[frame.type] ?? 0) + 1
        targetedFramesSeen[frame.type] = seen
        guard let loss = plan.frameLosses.first(where: { $0.messageType == frame.type && $0.occurrence == seen })
        else { return nil }
        targetedLosses.append(
            TargetedLoss(
                messageType: frame.type, occurrence: loss.occurrence, sequence: frame.sequence, sentAt: time,
                dueAt: time))
        return targetedLosses.count - 1
    }

    /// When a write at `time` arrives over USB: at the next frame boundary (or the end of a stall), plus latency.
    private mutating func usbArrival(ofWriteAt time: UInt64) -> UInt64 {
        let frame = USBTiming.frameMicros
        var departure = max(time / frame + 1, (stalledUntil + frame - 1) / frame) * frame
        if departure != lastUSBFrame {
            if usbRandom.nextUnit() < USBTiming.stallProbability {
                let length = draw(USBTiming.stallMicros)
                counters.stalls += 1
                counters.stalledMicros += length
                stalledUntil = departure + length
                departure = (stalledUntil + frame - 1) / frame * frame
            }
            lastUSBFrame = departure
        }
        return departure + draw(USBTiming.latencyMicros)
    }

    private mutating func draw(_ range: ClosedRange<UInt64>) -> UInt64 {
        range.lowerBound + UInt64(usbRandom.nextUnit() * Double(range.upperBound - range.lowerBound + 1))
    }

    /// When the next write comes out of the link, if any is in flight.
    public var nextDeliveryTime: UInt64? { inFlight.first?.time }

    /// Everything due by `time`, in order; what arrives while the link is disconnected is lost.
    public mutating func receive(upTo time: UInt64) -> [UInt8] {
        var output: [UInt8] = []
        while let item = inFlight.first, item.time <= time {
            inFlight.removeFirst()
            if !plan.disconnects.isEmpty && plan.isDisconnected(at: item.time) {
                counters.bytesLostToDisconnect += item.bytes.count
            } else {
                output.append(contentsOf: item.bytes)
                counters.bytesDelivered += item.bytes.count
            }
        }
        return output
    }

    private mutating func enqueue(_ bytes: [UInt8], at time: UInt64) {
        inFlight.append(InFlight(time: time, bytes: bytes))
        lastDelivery = time
    }

    private mutating func corrupt(_ bytes: inout [UInt8]) {
        var index = 0
        while true {
            if bytesUntilCorruption >= bytes.count - index {
                bytesUntilCorruption -= bytes.count - index
                return
            }
            index += bytesUntilCorruption
            bytes[index] ^= UInt8(1) << UInt8(random.next() % 8)
            counters.bitsFlipped += 1
            index += 1
            bytesUntilCorruption = drawGap()
        }
    }

    /// Number of clean bytes before the next corrupted one: geometric with the corruption probability.
    private mutating func drawGap() -> Int {
        let p = plan.corruptProbability
        guard p > 0 else { return .max }
        if p >= 1 { return 0 }
        let u = 1 - random.nextUnit()
        let gap = (log(u) / log(1 - p)).rounded(.down)
        return gap >= Double(Int.max / 2) ? Int.max / 2 : Int(gap)
    }
}
