/// A board and the link to it, advanced in virtual time: what dry runs and tests use.
///
/// Two clocks, as on a real rig: ``now`` is true time (µs since the board powered up), the time the host and the
/// link live in; the board sees only its own crystal's reading of it, ``boardNow`` (``BoardClock``). The host side
/// is bytes: ``hostWrites(_:)`` puts bytes on the link at the current true time, ``run(until:)`` advances true time
/// event by event (link deliveries, the board's deadlines converted from board time) and returns the bytes that
/// reached the host by then. Nothing reads a wall clock, so the same seed gives the same bytes, bit for bit, however
/// fast the machine.
public struct VirtualBench<Core: BoardCore> {
    /// The board.
    public var board: Core
    /// How the board's clock follows true time.
    public let clock: BoardClock
    /// True time (µs since power-up).
    public private(set) var now: UInt64
    public private(set) var hostToBoard: LinkFaultInjector
    public private(set) var boardToHost: LinkFaultInjector
    /// The board deadline last converted to true time, and its true time: the deadline often stays the same over
    /// several link events, and the next one is near it (``BoardClock/trueTime(atBoardTime:near:)``); the
    /// conversion is the bench's costliest step.
    private var convertedDeadline: (board: UInt64, trueTime: UInt64)?

    /// A bench at true time `start`, the board's time following `clock`, with link faults (and the link's USB
    /// timing) from `faults` seeded by `seed`. The board must have been made for the same clock: a board model
    /// that starts at another board time than `clock` gives for `start` waits until its clock catches up.
    public init(board: Core, clock: BoardClock, faults: FaultPlan = FaultPlan(), seed: UInt64, start: UInt64 = 0) {
        self.board = board
        self.clock = clock
        now = start
        hostToBoard = LinkFaultInjector(plan: faults, seed: seed, label: "host-to-board")
        boardToHost = LinkFaultInjector(plan: faults, seed: seed, label: "board-to-host")
    }

    /// What the board's clock reads now.
    public var boardNow: UInt64 { clock.boardTime(atTrueTime: now) }

    /// The host writes `bytes` now.
    public mutating func hostWrites(_ bytes: [UInt8]) {
        hostToBoard.send(bytes, at: now)
    }

    /// The next true time anything happens on the bench without new host bytes, if anything is pending.
    public var nextEventTime: UInt64? {
        Self.earliest(
            board.nextDeadline.map { clock.trueTime(atBoardTime: $0) }, hostToBoard.nextDeliveryTime,
            boardToHost.nextDeliveryTime)
    }

    /// ``nextEventTime`` for the run loop: the board read in place (``BoardCore/peekNextDeadline()``) and the
    /// deadline converted from the last one. The same value, bit for bit.
    private mutating func upcomingEventTime() -> UInt64? {
        var boardDeadline: UInt64?
        if let deadline = board.peekNextDeadline() {
            if let converted = convertedDeadline, converted.board == deadline {
                boardDeadline = converted.trueTime
            } else {
                let trueTime =
                    convertedDeadline.map { clock.trueTime(atBoardTime: deadline, near: $0) }
                    ?? clock.trueTime(atBoardTime: deadline)
                convertedDeadline = (deadline, trueTime)
                boardDeadline = trueTime
            }
        }
        return Self.earliest(boardDeadline, hostToBoard.nextDeliveryTime, boardToHost.nextDeliveryTime)
    }

    private static func earliest(_ a: UInt64?, _ b: UInt64?, _ c: UInt64?) -> UInt64? {
        func earlier(_ x: UInt64?, _ y: UInt64?) -> UInt64? {
            guard let x else { return y }
            guard let y else { return x }
            return min(x, y)
        }
        return earlier(earlier(a, b), c)
    }

    /// Advances true time to `time`, running every event on the way; returns the bytes the host received. With
    /// `stoppingAtDelivery` it stops at the first instant bytes reach the host (a controller in virtual time must see
    /// them when they arrive), and `now` is then that instant.
    public mutating func run(until time: UInt64, stoppingAtDelivery: Bool = false) -> [UInt8] {
        var received: [UInt8] = []
        while true {
            let pending = upcomingEventTime().map { max($0, now) }
            let step = min(pending ?? time, time)
            now = max(now, step)
            let boardTime = boardNow
            let arrived = hostToBoard.receive(upTo: now)
            if !arrived.isEmpty { boardToHost.send(board.receive(arrived, at: boardTime), at: now) }
            boardToHost.send(board.advance(to: boardTime), at: now)
            received += boardToHost.receive(upTo: now)
            if step >= time || (stoppingAtDelivery && !received.isEmpty) { break }
        }
        return received
    }
}

extension VirtualBench where Core == SimulatedBoard {
    /// The simulated board of `setup` on a bench with its crystal (``SimulationSetup/clock``) and its link faults.
    public init(setup: SimulationSetup) {
        self.init(board: SimulatedBoard(setup: setup), clock: setup.clock, faults: setup.faults, seed: setup.seed)
    }
}
