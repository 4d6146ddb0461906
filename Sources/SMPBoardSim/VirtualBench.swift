/// A board and the link to it, advanced in virtual time: what dry runs and tests use.
///
/// The host side is bytes: ``hostWrites(_:)`` puts bytes on the link at the current virtual time, ``run(until:)``
/// advances time event by event (link deliveries, the board's deadlines) and returns the bytes that reached the host
/// by then. Nothing reads a clock, so the same seed gives the same bytes, bit for bit, however fast the machine.
public struct VirtualBench<Core: BoardCore> {
    /// The board.
    public var board: Core
    /// Virtual board time (µs).
    public private(set) var now: UInt64
    public private(set) var hostToBoard: LinkFaultInjector
    public private(set) var boardToHost: LinkFaultInjector

    /// A bench at board time `start`, with link faults from `faults` seeded by `seed`.
    public init(board: Core, faults: FaultPlan = FaultPlan(), seed: UInt64, start: UInt64 = 0) {
        self.board = board
        now = start
        hostToBoard = LinkFaultInjector(plan: faults, seed: seed, label: "host-to-board")
        boardToHost = LinkFaultInjector(plan: faults, seed: seed, label: "board-to-host")
    }

    /// The host writes `bytes` now.
    public mutating func hostWrites(_ bytes: [UInt8]) {
        hostToBoard.send(bytes, at: now)
    }

    /// The next time anything happens on the bench without new host bytes, if anything is pending.
    public var nextEventTime: UInt64? {
        [board.nextDeadline, hostToBoard.nextDeliveryTime, boardToHost.nextDeliveryTime].compactMap { $0 }.min()
    }

    /// Advances virtual time to `time`, running every event on the way; returns the bytes the host received.
    public mutating func run(until time: UInt64) -> [UInt8] {
        var received: [UInt8] = []
        while true {
            let pending = nextEventTime.map { max($0, now) }
            let step = min(pending ?? time, time)
            now = max(now, step)
            let arrived = hostToBoard.receive(upTo: now)
            if !arrived.isEmpty { boardToHost.send(board.receive(arrived, at: now), at: now) }
            boardToHost.send(board.advance(to: now), at: now)
            received += boardToHost.receive(upTo: now)
            if step >= time { break }
        }
        return received
    }
}
