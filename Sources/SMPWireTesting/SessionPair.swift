import SMPWire

/// A host session and a board session joined by two virtual links, advanced in virtual time: the harness for
/// testing and benchmarking the reliable session without hardware or wall clocks.
public struct SessionPair: Sendable {
    public var host: WireSession
    public var board: WireSession
    public var hostToBoard: VirtualLink
    public var boardToHost: VirtualLink
    public private(set) var now: UInt64 = 0
    /// Events each side has seen, in order.
    public private(set) var hostEvents: [SessionEvent] = []
    public private(set) var boardEvents: [SessionEvent] = []

    public init(
        host: SessionConfiguration = SessionConfiguration(role: .host),
        board: SessionConfiguration = SessionConfiguration(role: .board),
        boardIdentity: BoardHello, hostToBoard: VirtualLink, boardToHost: VirtualLink
    ) {
        self.host = WireSession(configuration: host)
        self.board = WireSession(configuration: board, boardIdentity: boardIdentity)
        self.hostToBoard = hostToBoard
        self.boardToHost = boardToHost
    }

    /// Polls both sides and delivers what has arrived by the current time. Returns the events of this step.
    @discardableResult
    public mutating func step() -> (host: [SessionEvent], board: [SessionEvent]) {
        var hostNew: [SessionEvent] = []
        var boardNew: [SessionEvent] = []
        let hostOutput = host.poll(now: now)
        hostNew += hostOutput.events
        hostToBoard.send(hostOutput.bytes, now: now)
        let boardOutput = board.poll(now: now)
        boardNew += boardOutput.events
        boardToHost.send(boardOutput.bytes, now: now)
        let toBoard = hostToBoard.receive(now: now)
        if !toBoard.isEmpty { boardNew += board.receive(toBoard, now: now) }
        let toHost = boardToHost.receive(now: now)
        if !toHost.isEmpty { hostNew += host.receive(toHost, now: now) }
        hostEvents += hostNew
        boardEvents += boardNew
        return (hostNew, boardNew)
    }

    /// The next time anything is due, never earlier than now + 1 µs.
    public var nextTime: UInt64 {
        let candidates = [host.nextDeadline, board.nextDeadline, hostToBoard.nextArrival, boardToHost.nextArrival]
        let next = candidates.compactMap { $0 }.min() ?? (now + 1_000)
        return max(next, now + 1)
    }

    /// Moves the clock forward without processing (the caller steps).
    public mutating func advance(to time: UInt64) { now = max(now, time) }

    /// Advances to `time`, processing everything due on the way.
    public mutating func run(until time: UInt64) {
        while now < time {
            step()
            now = min(nextTime, time)
        }
        step()
    }

    /// Advances until `condition` holds or `limit` passes; returns whether it held.
    public mutating func run(until limit: UInt64, while condition: (inout SessionPair) -> Bool) -> Bool {
        while now <= limit {
            step()
            if !condition(&self) { return true }
            now = nextTime
        }
        return false
    }

    /// Connects and runs until both sides are established (or `limit` passes).
    public mutating func connect(sessionID: UInt32 = 1, limit: UInt64 = 5_000_000) -> Bool {
        host.connect(sessionID: sessionID, hostSoftware: "smpctl-test", now: now)
        return run(until: now + limit) { pair in !(pair.host.isEstablished && pair.board.isEstablished) }
    }

    public mutating func clearEvents() {
        hostEvents.removeAll()
        boardEvents.removeAll()
    }
}
