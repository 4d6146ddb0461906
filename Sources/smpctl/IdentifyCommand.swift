import ArgumentParser
import Foundation
import SMPHardware
import SMPSerial
import SMPWire

/// `smpctl identify`: connects to a board, runs the protocol handshake and prints what the board says it is.
struct IdentifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identify",
        abstract: "Connect to a board, run the protocol handshake and print its identity.",
        discussion: """
            Prints the board's model, firmware, serial number, protocol version, clock and limits, as the board \
            announces them in its hello. Exit 69 when the port cannot be used or the board speaks another protocol \
            version, 74 when it does not answer or the line fails.
            """
    )

    @Option(
        help: ArgumentHelp("Serial port path, or 'auto' for the single connected SMP board.", valueName: "path|auto"))
    var port: String

    @OptionGroup var hardware: HardwareOptions

    @Option(help: "Line speed in baud (default: the board definition's, else 921600).")
    var baud: Int?

    @Option(help: ArgumentHelp("Give up when the board has not answered after this long.", valueName: "ms"))
    var timeout = 2000

    @Flag(help: "Print one JSON document on stdout instead of text.")
    var json = false

    func validate() throws {
        guard timeout >= 100 else { throw ValidationError("--timeout must be at least 100 ms") }
        if let baud, baud <= 0 { throw ValidationError("--baud must be positive") }
    }

    func run() async throws {
        let automatic = port == PortSelection.automatic
        let catalog = try hardware.loadCatalog(required: automatic) ?? BoardCatalog(directory: "", boards: [])
        let path: String
        var board: BoardDefinition?
        do {
            if automatic {
                let recognised = try PortSelection.single(among: SerialPortEnumerator.list(), catalog: catalog)
                path = recognised.port.path
                board = recognised.board
            } else {
                path = port
            }
        } catch {
            throw CommandFailure(serialError: error)
        }
        let configuration = SerialConfiguration(baudRate: baud ?? board?.serial.baud ?? 921_600)
        let connection: any SerialConnection
        do {
            connection = try SerialPort.open(path, configuration: configuration)
        } catch {
            throw CommandFailure(serialError: error)
        }
        let start = ContinuousClock.now
        let outcome = await HostHandshake.run(on: connection, timeoutMilliseconds: timeout)
        let elapsed = ContinuousClock.now - start
        await connection.close()
        let hello = try outcome.get()
        let identity = BoardIdentity(hello, port: path, backend: connection.backendName, handshake: elapsed)
        if json {
            try Output.json(identity)
        } else {
            identity.printText()
        }
    }
}

/// Drives the host side of the SMPWire handshake over a serial connection: the bytes the sans-I/O session produces
/// go out, what arrives goes in, and `poll` runs whenever the session's next deadline passes.
///
/// It lives here because it joins SMPSerial and SMPWire, which may not import each other; when SMPControl arrives
/// (it owns the real-time link), this belongs there.
enum HostHandshake {
    private enum Input: Sendable {
        case bytes([UInt8])
        case deadline
        case ended(SerialError?)
    }

    static func run(on connection: any SerialConnection, timeoutMilliseconds: Int) async -> Result<
        BoardHello, CommandFailure
    > {
        let helloInterval: UInt64 = 100_000
        var session = WireSession(
            configuration: SessionConfiguration(
                role: .host,
                helloInterval: helloInterval,
                helloAttempts: max(1, timeoutMilliseconds * 1000 / Int(helloInterval))
            )
        )
        let clock = ContinuousClock()
        let start = clock.now
        func now() -> UInt64 {
            let elapsed = clock.now - start
            return UInt64(elapsed.components.seconds) * 1_000_000
                + UInt64(elapsed.components.attoseconds / 1_000_000_000_000)
        }

        let (inputs, feed) = AsyncStream.makeStream(of: Input.self)
        let reader = Task {
            do {
                for try await chunk in connection.bytes { feed.yield(.bytes(chunk)) }
                feed.yield(.ended(nil))
            } catch let error as SerialError {
                feed.yield(.ended(error))
            } catch {
                feed.yield(.ended(nil))
            }
        }
        var timer: Task<Void, Never>?
        defer {
            reader.cancel()
            timer?.cancel()
            feed.finish()
        }

        session.connect(sessionID: UInt32.random(in: 1...UInt32.max), hostSoftware: "smpctl", now: now())
        var iterator = inputs.makeAsyncIterator()
        let port = connection.path
        while true {
            let (bytes, events) = session.poll(now: now())
            if !bytes.isEmpty {
                do {
                    try await connection.write(bytes)
                } catch {
                    return .failure(CommandFailure(serialError: error))
                }
            }
            for event in events {
                if let outcome = outcome(of: event, port: port) { return outcome }
            }
            timer?.cancel()
            timer = nil
            if let deadline = session.nextDeadline {
                let wait = deadline > now() ? deadline - now() : 0
                timer = Task {
                    try? await Task.sleep(for: .microseconds(wait))
                    if !Task.isCancelled { feed.yield(.deadline) }
                }
            }
            guard let input = await iterator.next() else {
                return .failure(CommandFailure(.software, "\(port): handshake stopped unexpectedly"))
            }
            switch input {
            case .bytes(let chunk):
                for event in session.receive(chunk, now: now()) {
                    if let outcome = outcome(of: event, port: port) { return outcome }
                }
            case .deadline:
                continue
            case .ended(let error):
                let failure =
                    error
                    ?? SerialError(kind: .deviceLost, operation: "read", port: port, message: "the connection ended")
                return .failure(CommandFailure(serialError: failure))
            }
        }
    }

    /// The handshake's result when `event` decides it, nil otherwise.
    private static func outcome(of event: SessionEvent, port: String) -> Result<BoardHello, CommandFailure>? {
        switch event {
        case .established(peer: .board(let hello)):
            return .success(hello)
        case .established(peer: .host):
            return .failure(CommandFailure(.ioError, "\(port): the peer answered as a host, not a board"))
        case .refused(let mismatch):
            return .failure(CommandFailure(.unavailable, "\(port): the board refused the handshake: \(mismatch)"))
        case .linkFailed(let failure):
            return .failure(
                CommandFailure(
                    .ioError,
                    "\(port): \(failure) (is an SMP board on this port, at the right baud rate?)"
                )
            )
        default:
            return nil
        }
    }
}

/// What `smpctl identify` prints: the board's hello, and how it was reached.
private struct BoardIdentity: Encodable {
    let port: String
    let backend: String
    let boardModel: String
    let firmwareVersion: String
    let serialNumber: String
    let protocolVersion: Int
    let schemaHash: String
    let clockHz: Int
    let queueCapacity: Int
    let limits: BoardLimits
    let boardTimeUs: UInt64
    let lastCompletedDot: Int
    let pendingCompletions: Int
    let handshakeMs: Double

    init(_ hello: BoardHello, port: String, backend: String, handshake: Duration) {
        self.port = port
        self.backend = backend
        boardModel = hello.boardModel
        firmwareVersion = hello.firmwareVersion
        serialNumber = hello.serialNumber
        protocolVersion = Int(hello.protocolVersion)
        schemaHash = "0x" + String(hello.schemaHash, radix: 16)
        clockHz = Int(hello.clockHertz)
        queueCapacity = Int(hello.queueCapacity)
        limits = hello.limits
        boardTimeUs = hello.boardTime
        lastCompletedDot = Int(hello.lastCompletedDot)
        pendingCompletions = Int(hello.pendingCompletions)
        handshakeMs =
            Double(handshake.components.attoseconds / 1_000_000_000_000) / 1000
            + Double(handshake.components.seconds) * 1000
    }

    func printText() {
        let millimetres = { (micrometres: UInt32) in String(format: "%.3f mm", Double(micrometres) / 1000) }
        Output.line("\(port): \(boardModel), firmware \(firmwareVersion), serial \(serialNumber)")
        Output.line("  protocol   v\(protocolVersion), schema \(schemaHash)")
        Output.line("  clock      \(clockHz) Hz")
        Output.line("  queue      \(queueCapacity) slots")
        Output.line(
            "  travel     X \(millimetres(limits.travelXMicrometres)), Y \(millimetres(limits.travelYMicrometres)), "
                + "Z \(millimetres(limits.travelZMicrometres)); resolution \(limits.positionResolutionMicrometres) um"
        )
        Output.line(
            "  hang       ceiling \(millimetres(limits.hangCeilingMicrometres)), retract "
                + millimetres(limits.retractClearanceMicrometres)
        )
        Output.line(
            String(
                format: "  motor      %.1f-%.1f Hz, at most %d strokes per dot",
                Double(limits.motorMinCentihertz) / 100,
                Double(limits.motorMaxCentihertz) / 100,
                Int(limits.maxStrokesPerDot)
            )
        )
        Output.line("  watchdog   \(limits.watchdogMilliseconds) ms; minimum lead \(limits.minimumLeadMicroseconds) us")
        Output.line(String(format: "  handshake  %.1f ms", handshakeMs) + " over \(backend)")
    }
}
