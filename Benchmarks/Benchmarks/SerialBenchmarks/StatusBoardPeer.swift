import Foundation
import Glibc
import SMPWire

/// A board on the PTY master for the status-query benchmark: a board-role WireSession that answers every status
/// query with a status report, on its own thread. Not the simulator (no physics), so the figure is the transport
/// plus the protocol stack on both ends.
final class StatusBoardPeer: @unchecked Sendable {
    let terminal: PseudoTerminalPeer
    private let stopLock = NSLock()
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)

    init() {
        terminal = PseudoTerminalPeer(.idle)
        let identity = BoardHello(
            sessionID: 0, boardModel: "smp-driver-r1", firmwareVersion: "bench", serialNumber: "BENCH",
            clockHertz: 1_000_000, queueCapacity: 64, limits: .smpDriverR1, boardTime: 0, lastCompletedDot: 0,
            pendingCompletions: 0
        )
        let thread = Thread { [self] in
            serve(WireSession(configuration: SessionConfiguration(role: .board), boardIdentity: identity))
            finished.signal()
        }
        thread.start()
    }

    func stop() {
        stopLock.withLock { stopped = true }
        finished.wait()
        terminal.closeMaster()
    }

    private func serve(_ initial: WireSession) {
        var session = initial
        let start = ContinuousClock.now
        func now() -> UInt64 { microseconds(since: start) }
        let descriptor = terminal.masterDescriptor
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while !stopLock.withLock({ stopped }) {
            var pollDescriptor = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pollDescriptor, 1, 5)
            if ready > 0, pollDescriptor.revents & Int16(POLLIN) != 0 {
                let count = read(descriptor, &buffer, buffer.count)
                if count > 0 {
                    for event in session.receive(buffer[0..<count], now: now()) {
                        // Status queries are priority messages (type 0x2x) in protocol v1; accept either delivery.
                        switch event {
                        case .message(.statusQuery), .priority(.statusQuery): break
                        default: continue
                        }
                        let status = BoardStatus(
                            boardTime: now(), scheduleTime: 0, state: .ready, queueDepth: 0, queueFree: 64,
                            xMicrometres: 0, yMicrometres: 0, zMicrometres: 2_000, motorCentihertz: 0,
                            lastCompletedDot: 0, activeFault: .none
                        )
                        try? session.send(.status(status), now: now())
                    }
                }
            } else if ready > 0 {
                usleep(5_000)  // no slave open yet: POLLHUP, nothing to do
            }
            let (bytes, _) = session.poll(now: now())
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                if written <= 0 { break }
                offset += written
            }
        }
    }
}

func microseconds(since start: ContinuousClock.Instant) -> UInt64 {
    let elapsed = ContinuousClock.now - start
    return UInt64(elapsed.components.seconds) * 1_000_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000_000)
}
