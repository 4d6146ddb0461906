import DequeModule
import Dispatch
import Foundation
import SMPSystem

#if canImport(Glibc)
    import Glibc
#endif

/// Serves a ``BoardCore`` on a pseudo-terminal in wall time until asked to stop.
///
/// True time is the monotonic clock in microseconds since ``run(_:)`` started (the board's power-up); board time is
/// the board's crystal reading of it (``BoardClock``), so a host on the device sees a board clock with its own rate
/// and epoch. The loop polls the master side and a stop pipe, with a timeout that wakes it at the core's next
/// deadline or the link's next delivery, feeds received bytes through the host-to-board link (faults and USB timing)
/// into the core, and writes the core's output through the board-to-host link back. This is the only place in
/// SMPBoardSim that does I/O or reads a clock.
public final class PTYBoardRunner {
    /// What the loop saw.
    public struct Statistics: Sendable, Codable, Equatable {
        public var bytesFromHost = 0
        public var bytesToHost = 0
        /// Bytes the board wrote that the PTY could not take (no host reading, buffer full) and were discarded.
        public var bytesDiscarded = 0
        /// Board time (the board's clock) and true time (monotonic, since the start) when the loop stopped.
        public var boardTimeMicros: UInt64 = 0
        public var trueTimeMicros: UInt64 = 0
        /// Wall time the simulator's process was not scheduled, cut out of true time (µs).
        public var stalledMicros: UInt64 = 0
        public var hostToBoard = LinkFaultInjector.Counters()
        public var boardToHost = LinkFaultInjector.Counters()
    }

    public let terminal: PseudoTerminal
    public private(set) var statistics = Statistics()
    private var hostToBoard: LinkFaultInjector
    private var boardToHost: LinkFaultInjector
    private let stopPipe: (read: Int32, write: Int32)
    private let clock: BoardClock
    private var pendingOutput: Deque<UInt8> = []
    /// Outbound bytes kept while the host is not reading; beyond this the oldest are discarded.
    private let outputLimit = 256 * 1024

    /// Opens a pseudo-terminal and prepares link faults (and USB timing) from `faults`, seeded by `seed`; the board
    /// reads true time through `clock`.
    public init(faults: FaultPlan, seed: UInt64, clock: BoardClock) throws(PseudoTerminalError) {
        terminal = try PseudoTerminal(holdingSlaveOpen: true, nonBlockingMaster: true)
        self.clock = clock
        hostToBoard = LinkFaultInjector(plan: faults, seed: seed, label: "host-to-board")
        boardToHost = LinkFaultInjector(plan: faults, seed: seed, label: "board-to-host")
        var fds: [Int32] = [0, 0]
        do {
            try SystemCall.run("pipe") { pipe(&fds) }
            let flags = try SystemCall.run("fcntl") { fcntl(fds[1], F_GETFL) }
            try SystemCall.run("fcntl") { fcntl(fds[1], F_SETFL, flags | O_NONBLOCK) }
        } catch {
            if fds[0] != fds[1] {
                SystemCall.close(fds[0])
                SystemCall.close(fds[1])
            }
            throw PseudoTerminalError(error)
        }
        stopPipe = (fds[0], fds[1])
    }

    /// The runner for `setup`'s board: its link faults and USB timing, and its crystal.
    public convenience init(setup: SimulationSetup) throws(PseudoTerminalError) {
        try self.init(faults: setup.faults, seed: setup.seed, clock: setup.clock)
    }

    deinit {
        SystemCall.close(stopPipe.read)
        SystemCall.close(stopPipe.write)
    }

    /// Ends ``run(_:)`` soon; safe to call from any thread or signal source.
    public func requestStop() { stopHandle.requestStop() }

    /// A handle another thread can keep to stop the loop.
    public var stopHandle: StopHandle { StopHandle(descriptor: stopPipe.write) }

    /// Stops a running ``PTYBoardRunner`` from any thread.
    public struct StopHandle: Sendable {
        let descriptor: Int32

        /// Ends the runner's loop soon.
        public func requestStop() { PTYBoardRunner.signalStop(descriptor) }
    }

    fileprivate static func signalStop(_ descriptor: Int32) {
        var byte: UInt8 = 1
        // A full pipe already holds a stop request: nothing is lost when this one would block.
        _ = try? SystemCall.runUnlessWouldBlock("write") { write(descriptor, &byte, 1) }
    }

    /// Makes SIGINT and SIGTERM end ``run(_:)`` cleanly instead of killing the process. Call it before telling
    /// anyone the board is ready: the handler is in place when this returns. (A dispatch signal source would not be:
    /// on Linux it registers asynchronously after SIG_IGN, and a signal in between is lost.)
    public func stopOnTerminationSignals() {
        terminationStopDescriptor = stopPipe.write
        // A blocked mask survives exec: a parent that blocks SIGINT (a test runner, some supervisors) would
        // otherwise leave it pending here forever.
        var deliverable = sigset_t()
        sigemptyset(&deliverable)
        sigaddset(&deliverable, SIGINT)
        sigaddset(&deliverable, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &deliverable, nil)
        for signalNumber in [SIGINT, SIGTERM] {
            // Only async-signal-safe work in the handler: one write(2) to the stop pipe, not through SystemCall (its
            // fault-injection hook takes a lock, which a signal handler must not).
            _ = signal(signalNumber) { _ in
                var byte: UInt8 = 1
                _ = write(terminationStopDescriptor, &byte, 1)
            }
        }
    }

    /// A wake-up this much later than the poll's timeout means the simulator's own process was kept off the CPU
    /// (µs): the simulated world does not run on while it is.
    static let stallAllowanceMicros: UInt64 = 20_000

    /// Serves `core` until a stop is requested; returns the board time reached. The core must start at the board
    /// time `clock` gives for true time 0 (a ``SimulatedBoard`` of a setup with the same clock does).
    ///
    /// True time is the host's monotonic clock, less the stretches the simulator's process was not scheduled: a
    /// real board's UART takes the host's bytes while its firmware is busy, but a starved simulator would read them
    /// late and trip its own watchdog on a host that was on time. Such a stretch (a wake-up more than
    /// ``stallAllowanceMicros`` past the poll's timeout) is cut out of true time, so the board, its clock and its
    /// link pause instead (``Statistics/stalledMicros`` adds them up).
    @discardableResult
    public func run<Core: BoardCore>(_ core: inout Core) throws(PseudoTerminalError) -> UInt64 {
        var start = SystemCall.monotonicMicroseconds()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var now: UInt64 = 0
        while true {
            now = SystemCall.monotonicMicroseconds() &- start
            let boardTime = clock.boardTime(atTrueTime: now)
            // Due host bytes into the core, time forward, and the core's output onto the link.
            let arrived = hostToBoard.receive(upTo: now)
            if !arrived.isEmpty { boardToHost.send(core.receive(arrived, at: boardTime), at: now) }
            boardToHost.send(core.advance(to: boardTime), at: now)
            let outbound = boardToHost.receive(upTo: now)
            if !outbound.isEmpty { queueOutput(outbound) }
            flushOutput()

            let boardWake = core.nextDeadline.map { clock.trueTime(atBoardTime: $0) }
            let wake = [boardWake, hostToBoard.nextDeliveryTime, boardToHost.nextDeliveryTime].compactMap { $0 }.min()
            var timeoutMS: Int32 = 100
            if let wake {
                timeoutMS = wake <= now ? 0 : Int32(min(100, (wake - now) / 1000 + 1))
            }
            var fds = [
                pollfd(
                    fd: terminal.masterDescriptor, events: Int16(POLLIN | (pendingOutput.isEmpty ? 0 : POLLOUT)),
                    revents: 0),
                pollfd(fd: stopPipe.read, events: Int16(POLLIN), revents: 0),
            ]
            do {
                try SystemCall.run("poll") { poll(&fds, 2, timeoutMS) }
            } catch {
                throw PseudoTerminalError(error)
            }
            let latestWake = now + UInt64(timeoutMS) * 1000 + Self.stallAllowanceMicros
            let woke = SystemCall.monotonicMicroseconds() &- start
            if woke > latestWake {
                start += woke - latestWake
                statistics.stalledMicros += woke - latestWake
            }
            if fds[1].revents & Int16(POLLIN) != 0 { break }
            if fds[0].revents & Int16(POLLIN) != 0 {
                let count: Int?
                do {
                    count = try SystemCall.runUnlessWouldBlock("read") {
                        read(terminal.masterDescriptor, &buffer, buffer.count)
                    }
                } catch  where error.errorNumber == EIO {
                    // No host holds the slave side open right now (it closed the port): only silence.
                    count = nil
                } catch {
                    throw PseudoTerminalError(error)
                }
                if let count, count > 0 {
                    let received = SystemCall.monotonicMicroseconds() &- start
                    statistics.bytesFromHost += count
                    hostToBoard.send(Array(buffer[0..<count]), at: received)
                }
            }
        }
        statistics.trueTimeMicros = now
        statistics.boardTimeMicros = clock.boardTime(atTrueTime: now)
        statistics.hostToBoard = hostToBoard.counters
        statistics.boardToHost = boardToHost.counters
        return now
    }

    private func queueOutput(_ bytes: [UInt8]) {
        pendingOutput.append(contentsOf: bytes)
        if pendingOutput.count > outputLimit {
            let excess = pendingOutput.count - outputLimit
            pendingOutput.removeFirst(excess)
            statistics.bytesDiscarded += excess
        }
    }

    private func flushOutput() {
        while !pendingOutput.isEmpty {
            let chunk = Array(pendingOutput.prefix(4096))
            // A host that reads nothing fills the terminal's buffer; a write that would block, or fails because
            // no host holds the port, leaves the bytes queued (bounded by `outputLimit`).
            let result = try? SystemCall.runUnlessWouldBlock("write") {
                chunk.withUnsafeBytes { write(terminal.masterDescriptor, $0.baseAddress, $0.count) }
            }
            guard let written = result ?? nil, written > 0 else { return }
            statistics.bytesToHost += written
            pendingOutput.removeFirst(written)
        }
    }
}

/// The stop pipe the termination-signal handler writes to. A C signal handler cannot capture context, so it reads
/// this; it is set once, before the handler is installed, and only read afterwards.
nonisolated(unsafe) private var terminationStopDescriptor: Int32 = -1
