import Foundation
import SMPBoardSim
import SMPControl
import SMPHardware
import SMPMotion
import SMPSystem

/// The simulated board served on a pseudo-terminal in wall time by ``PTYBoardRunner``, on a thread of its own, on a
/// flat test pad: what a real board on a USB port is to the transport, with the board's crystal and USB link.
final class SimulatorOnPTY: @unchecked Sendable {
    let slavePath: String
    private let terminal: PseudoTerminal
    private let stopHandle: PTYBoardRunner.StopHandle
    private let stopped = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var running = true

    init(seed: UInt64 = 1) throws {
        let setup = SimulationSetup(board: .r1, skinType: .fitzpatrick1to3, surface: .flat, seed: seed)
        // Only the board's thread uses the runner once it starts; this thread keeps the terminal and the stop handle.
        nonisolated(unsafe) let runner = try PTYBoardRunner(setup: setup)
        terminal = runner.terminal
        slavePath = runner.terminal.slavePath
        stopHandle = runner.stopHandle
        let stopped = stopped
        Thread {
            var board = SimulatedBoard(setup: setup)
            _ = try? runner.run(&board)
            stopped.signal()
        }.start()
    }

    deinit {
        stop()
    }

    /// Stops the board's loop and waits until it has. Safe to call more than once.
    func stop() {
        let wasRunning = lock.withLock {
            defer { running = false }
            return running
        }
        guard wasRunning else { return }
        stopHandle.requestStop()
        stopped.wait()
    }

    /// Pulls the cable: stops the board, then closes the master and the slave the runner held, so that the host's
    /// port hangs up. Returns the host time (µs, the transport's clock) of the hang-up.
    func yank() -> UInt64 {
        stop()
        let at = SystemCall.monotonicMicroseconds()
        terminal.close()
        return at
    }

    /// `count` dots 1 mm apart near the rig's home, each four strokes at 120 Hz and 1.2 mm hang.
    static func dots(_ count: Int) -> [ControlDot] {
        (0..<count).map { index in
            ControlDot(
                motion: MotionDot(
                    id: index + 1, xMM: 100 + Double(index), yMM: 100, localHangMM: 1.2, strokes: 4, rateHz: 120,
                    cartridge: HandpieceDefinition.rotaryR1.needle.cartridgeName),
                hangBandMM: 1.0...1.4, regionName: "pad")
        }
    }

    /// A controller for `dots` that declares the flat pad instead of probing it.
    static func controller(dots: [ControlDot]) -> SessionController {
        var configuration = SessionController.Configuration()
        configuration.hostSoftware = "smprun-tests"
        configuration.declareFlatSurface = true
        return SessionController(dots: dots, board: .r1, handpiece: .rotaryR1, configuration: configuration)
    }
}

/// A value set on one thread and read on another.
final class Shared<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value

    init(_ value: Value) { stored = value }

    var value: Value {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}

/// CPU time (user + system) the calling thread has used so far (µs): the driver's own cost, whatever other tests
/// running in parallel use.
func threadCPUMicroseconds() -> UInt64 {
    // RUSAGE_THREAD (1 on Linux) is a GNU extension that Swift's Glibc module does not import.
    let rusageThread: Int32 = 1
    var usage = rusage()
    getrusage(__rusage_who_t(rusageThread), &usage)
    let seconds = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec
    return UInt64(seconds) * 1_000_000 + UInt64(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec)
}
