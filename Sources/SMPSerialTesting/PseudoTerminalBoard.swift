import Foundation
import Glibc
import SMPBoardSim
import SMPHardware
import SMPSystem
import SMPWire

/// Plays an SMP board on a pseudo-terminal: a board-role WireSession fed from the master on its own thread. It
/// completes the handshake and answers every status query with a status report; other messages are ignored.
///
/// Not the simulator (no physics, no process): a test of a command or a benchmark of the transport measures the
/// transport and the protocol stack on both ends, nothing else.
public final class PseudoTerminalBoard: @unchecked Sendable {
    private let terminal: PseudoTerminal
    private let stopLock = NSLock()
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)

    /// The port the host side opens.
    public var slavePath: String { terminal.slavePath }

    /// Opens a pseudo-terminal and starts answering on it as an smp-driver-r1 board with this identity.
    public init(firmwareVersion: String, serialNumber: String) throws {
        terminal = try PseudoTerminal()
        let identity = BoardHello(
            sessionID: 0, boardModel: BoardDefinition.r1.model, firmwareVersion: firmwareVersion,
            serialNumber: serialNumber,
            clockHertz: 1_000_000, queueCapacity: UInt16(BoardDefinition.r1.queueCapacity),
            limits: BoardLimits(BoardDefinition.r1), boardTime: 0, lastCompletedDot: 0,
            pendingCompletions: 0, handpieceModel: "rotary-r1", cartridge: "",
            surfaceMode: .unmapped
        )
        let thread = Thread { [self] in
            serve(WireSession(configuration: SessionConfiguration(role: .board), boardIdentity: identity))
            finished.signal()
        }
        thread.start()
    }

    /// Stops the board's thread, then hangs up. Safe to call more than once.
    public func stop() {
        let alreadyStopped = stopLock.withLock {
            defer { stopped = true }
            return stopped
        }
        if alreadyStopped { return }
        finished.wait()
        terminal.close()
    }

    private func serve(_ initial: WireSession) {
        var session = initial
        let start = ContinuousClock.now
        func now() -> UInt64 { microseconds(since: start) }
        let descriptor = terminal.masterDescriptor
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while !stopLock.withLock({ stopped }) {
            var pollDescriptor = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            // Short waits so that stop() is noticed; the session's own deadlines are far longer.
            let ready = (try? SystemCall.run("poll") { poll(&pollDescriptor, 1, 10) }) ?? 0
            if ready > 0, pollDescriptor.revents & Int16(POLLIN) != 0 {
                // EIO: no host holds the slave now; nothing to read.
                let count = (try? SystemCall.run("read") { read(descriptor, &buffer, buffer.count) }) ?? 0
                if count > 0 {
                    for event in session.receive(buffer[0..<count], now: now()) where Self.isStatusQuery(event) {
                        try? session.send(.status(Self.idleStatus(boardTime: now())), now: now())
                    }
                }
            } else if ready > 0 {
                // POLLHUP (or POLLERR) without input: no slave open, between host connections. Sleep rather than
                // spin on the hang-up.
                usleep(5_000)
            }
            let (bytes, _) = session.poll(now: now())
            // A host that hung up mid-write loses the rest, as it would on a real line.
            try? terminal.writeToMaster(bytes)
        }
    }

    // Status queries are priority messages (type 0x2x) in protocol v1; accept either delivery.
    private static func isStatusQuery(_ event: SessionEvent) -> Bool {
        switch event {
        case .message(.statusQuery), .priority(.statusQuery): true
        default: false
        }
    }

    private static func idleStatus(boardTime: UInt64) -> BoardStatus {
        BoardStatus(
            boardTime: boardTime, scheduleTime: 0, state: .ready, queueDepth: 0, queueFree: 64,
            xMicrometres: 0, yMicrometres: 0, zMicrometres: 2_000, motorCentihertz: 0,
            lastCompletedDot: 0, activeFault: .none, dotInProgress: 0, surfaceMode: .unmapped
        )
    }
}
