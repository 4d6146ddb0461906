import SMPHardware
import SMPWire

/// One direction of a serial link in virtual time: bytes are serialised at the baud rate, arrive after a latency,
/// and may be lost, corrupted, duplicated or delayed (reordered) frame by frame, deterministically by seed.
public struct VirtualLink: Sendable {
    /// What the link does to traffic. Probabilities are per frame (a heartbeat byte counts as a frame).
    public struct Impairments: Sendable {
        public var frameLoss: Double
        public var frameCorruption: Double
        public var frameDuplication: Double
        /// Probability that a frame is held back by `reorderDelay`, letting later frames overtake it.
        public var frameReordering: Double
        public var reorderDelay: UInt64
        /// Frame numbers (counting from 1, heartbeats included) to drop: for repairing one chosen loss.
        public var dropFrameNumbers: Set<UInt64>

        public init(
            frameLoss: Double = 0, frameCorruption: Double = 0, frameDuplication: Double = 0,
            frameReordering: Double = 0, reorderDelay: UInt64 = 3_000, dropFrameNumbers: Set<UInt64> = []
        ) {
            self.dropFrameNumbers = dropFrameNumbers
            self.frameLoss = frameLoss
            self.frameCorruption = frameCorruption
            self.frameDuplication = frameDuplication
            self.frameReordering = frameReordering
            self.reorderDelay = reorderDelay
        }

        public static let none = Impairments()
    }

    /// Counts of what the link did.
    public struct Counters: Equatable, Sendable {
        public var bytes: UInt64 = 0
        public var frames: UInt64 = 0
        public var lost: UInt64 = 0
        public var corrupted: UInt64 = 0
        public var duplicated: UInt64 = 0
        public var reordered: UInt64 = 0
        public init() {}
    }

    struct InTransit: Sendable {
        var arrival: UInt64
        var order: UInt64
        var bytes: [UInt8]
    }

    public let microsecondsPerByte: Double
    public let latency: UInt64
    public var impairments: Impairments
    public private(set) var counters = Counters()
    /// When set, dropped frames are kept (with the time they were sent) until `takeLosses`.
    public var recordsLosses = false
    /// When non-nil, every byte sent is appended: a capture for `smpctl wire decode`.
    public var capture: [UInt8]?
    private var losses: [(time: UInt64, bytes: [UInt8])] = []
    private var random: SeededGenerator
    private var busyUntil: Double = 0
    private var inTransit: [InTransit] = []
    private var order: UInt64 = 0
    private var pendingFrame: [UInt8] = []

    /// - Parameters:
    ///   - baud: 8N1, so ten bit times a byte.
    ///   - latency: fixed delay added to every byte (USB frames, driver buffering).
    public init(baud: Double = 921_600, latency: UInt64 = 200, impairments: Impairments = .none, seed: UInt64) {
        microsecondsPerByte = 10 * 1_000_000 / baud
        self.latency = latency
        self.impairments = impairments
        random = SeededGenerator(seed: seed)
    }

    /// Takes bytes written at `now`; frames are impaired whole, heartbeats as single units.
    public mutating func send(_ bytes: [UInt8], now: UInt64) {
        guard !bytes.isEmpty else { return }
        busyUntil = max(busyUntil, Double(now))
        counters.bytes += UInt64(bytes.count)
        capture?.append(contentsOf: bytes)
        for byte in bytes {
            busyUntil += microsecondsPerByte
            if byte == FramingByte.heartbeat && pendingFrame.isEmpty {
                schedule([byte])
                continue
            }
            pendingFrame.append(byte)
            if byte == FramingByte.delimiter {
                // A lone delimiter (stream start) travels with the frame after it.
                if pendingFrame.count == 1 { continue }
                schedule(pendingFrame)
                pendingFrame.removeAll(keepingCapacity: true)
            }
        }
    }

    private mutating func schedule(_ unit: [UInt8]) {
        counters.frames += 1
        if impairments.dropFrameNumbers.contains(counters.frames) || random.chance(impairments.frameLoss) {
            counters.lost += 1
            if recordsLosses { losses.append((UInt64(busyUntil), unit)) }
            return
        }
        var bytes = unit
        if random.chance(impairments.frameCorruption) {
            counters.corrupted += 1
            let index = Int(random.next() % UInt64(bytes.count))
            bytes[index] ^= UInt8(1 << (random.next() % 8))
        }
        var arrival = UInt64(busyUntil.rounded(.up)) + latency
        if random.chance(impairments.frameReordering) {
            counters.reordered += 1
            arrival += impairments.reorderDelay
        }
        append(arrival: arrival, bytes)
        if random.chance(impairments.frameDuplication) {
            counters.duplicated += 1
            append(arrival: arrival + 1, bytes)
        }
    }

    private mutating func append(arrival: UInt64, _ bytes: [UInt8]) {
        order += 1
        inTransit.append(InTransit(arrival: arrival, order: order, bytes: bytes))
    }

    /// Frames dropped since the last call, with the time they finished sending.
    public mutating func takeLosses() -> [(time: UInt64, bytes: [UInt8])] {
        defer { losses.removeAll() }
        return losses
    }

    /// When the next bytes arrive, nil when nothing is in transit.
    public var nextArrival: UInt64? { inTransit.lazy.map(\.arrival).min() }

    /// Bytes that have arrived by `now`, in arrival order.
    public mutating func receive(now: UInt64) -> [UInt8] {
        guard inTransit.contains(where: { $0.arrival <= now }) else { return [] }
        let due = inTransit.filter { $0.arrival <= now }.sorted { ($0.arrival, $0.order) < ($1.arrival, $1.order) }
        inTransit.removeAll { $0.arrival <= now }
        return due.flatMap(\.bytes)
    }
}
