/// Bytes that crossed a transport at a host time (µs): a read that returned them (the time after it) or a write.
public struct TransportArrival: Sendable, Equatable {
    public var time: UInt64
    public var bytes: [UInt8]

    public init(time: UInt64, bytes: [UInt8]) {
        self.time = time
        self.bytes = bytes
    }
}

/// A transport that keeps everything that crosses it: both directions' bytes in order, and each chunk that reached
/// the host with the host time it arrived. What the wire-cost benchmark counts, and what ``ReplayTransport`` plays
/// back.
public struct RecordingTransport<Base: ControllerTransport>: ControllerTransport {
    public var base: Base
    /// Every byte the host wrote, in order.
    public private(set) var hostToBoard: [UInt8] = []
    /// Every byte the host read, in order.
    public private(set) var boardToHost: [UInt8] = []
    /// The reads that returned bytes, in order.
    public private(set) var arrivals: [TransportArrival] = []
    /// The writes, in order, with the host time of each.
    public private(set) var writes: [TransportArrival] = []

    public init(_ base: Base) { self.base = base }

    public var now: UInt64 { base.now }
    public var isClosed: Bool { base.isClosed }

    public mutating func write(_ bytes: [UInt8]) {
        hostToBoard += bytes
        writes.append(TransportArrival(time: base.now, bytes: bytes))
        base.write(bytes)
    }

    public mutating func waitForBytes(until deadline: UInt64) -> [UInt8] {
        let bytes = base.waitForBytes(until: deadline)
        if !bytes.isEmpty {
            boardToHost += bytes
            arrivals.append(TransportArrival(time: base.now, bytes: bytes))
        }
        return bytes
    }
}

/// A board played back from a recording: each recorded read returns at its recorded host time, and the host's writes
/// are kept, not sent. A deterministic controller fed this way makes the same decisions and writes the same bytes as
/// in the recorded run (``written`` can be compared with the recording to prove it), so the host's own work can be
/// measured without the simulator's.
///
/// Time follows the virtual transports' rule: a read that finds nothing by its deadline returns empty with the
/// clock at the deadline (at least one microsecond on).
public struct ReplayTransport: ControllerTransport {
    let arrivals: [TransportArrival]
    var next = 0
    public private(set) var now: UInt64
    /// Every byte the host wrote, in order.
    public private(set) var written: [UInt8] = []

    /// Plays `arrivals` back from host time `start` (the recorded transport's clock when the run began).
    public init(arrivals: [TransportArrival], start: UInt64 = 0) {
        self.arrivals = arrivals
        now = start
        written.reserveCapacity(arrivals.count * 32)
    }

    public var isClosed: Bool { false }
    /// True once every recorded read has been returned.
    public var isExhausted: Bool { next == arrivals.count }

    public mutating func write(_ bytes: [UInt8]) { written += bytes }

    public mutating func waitForBytes(until deadline: UInt64) -> [UInt8] {
        let limit = max(deadline, now + 1)
        if next < arrivals.count, arrivals[next].time <= limit {
            now = max(now, arrivals[next].time)
            next += 1
            return arrivals[next - 1].bytes
        }
        now = limit
        return []
    }
}
