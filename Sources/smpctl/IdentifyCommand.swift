import ArgumentParser
import Foundation
import Logging
import SMPControl
import SMPHardware
import SMPRun
import SMPSerial
import SMPWire

/// `smpctl identify`: connects to a board, runs the protocol handshake and prints what the board says it is.
struct IdentifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "identify",
        abstract: "Connect to a board, run the protocol handshake and print its identity.",
        discussion: """
            Prints the board's model, firmware, serial number, protocol version, clock and limits, as the board \
            announces them in its hello. Exit 69 when the port cannot be used or the board speaks another protocol \
            version, 74 when it does not answer (saying what came back instead: nothing, noise, its own hellos, \
            another session's or protocol's hello) or the line fails. --timeout takes 100-3600000 ms, --baud \
            50-4000000.
            """
    )

    @Option(
        help: ArgumentHelp("Serial port path, or 'auto' for the single connected SMP board.", valueName: "path|auto"))
    var port: String

    @OptionGroup var hardware: HardwareOptions

    @OptionGroup var line: LineSpeedOption

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp(
            "Give up when the board has not answered after this long, "
                + "\(NumericOption.timeoutRange.lowerBound)-\(NumericOption.timeoutRange.upperBound) ms.",
            valueName: "ms"))
    var timeout = 2000

    @Flag(help: "Print one JSON document on stdout instead of text.")
    var json = false

    func validate() throws {
        try NumericOption.check("--timeout", timeout, in: NumericOption.timeoutRange, unit: "ms")
    }

    func run() throws {
        let connection = try BoardPort.connect(
            port, hardware: hardware, line: line, timeoutMilliseconds: timeout)
        defer { connection.transport.close() }
        let identity = BoardIdentity(
            connection.hello, port: connection.path, backend: connection.transport.backendName,
            handshake: connection.handshake)
        if json {
            try Output.json(identity)
        } else {
            identity.printText()
        }
    }
}

/// `smpctl identify`'s session: the real ``SessionController`` in identify-only mode (hello, one status query,
/// finished without arming) run by ``ControllerDriver`` over the wall-time serial transport, with every byte
/// received shown to a ``HandshakeTraffic`` so that a board that does not answer is reported with what came back.
enum BoardIdentification {
    /// Host µs between hellos; `--timeout` divided by it is the number of hellos sent.
    static let helloInterval: UInt64 = 100_000
    /// After the hello, how long the board may take to answer the status query (µs).
    static let statusAllowance: UInt64 = 1_000_000

    /// The board's hello and how long after the start it was accepted, or the failure to print.
    static func run(
        on transport: SerialControllerTransport, board: BoardDefinition, timeoutMilliseconds: Int
    ) -> Result<(hello: BoardHello, handshake: Duration), CommandFailure> {
        var configuration = SessionController.Configuration()
        configuration.identifyOnly = true
        configuration.sessionID = UInt32.random(in: 1...UInt32.max)
        configuration.link.helloInterval = helloInterval
        configuration.link.helloAttempts = max(1, timeoutMilliseconds * 1000 / Int(helloInterval))
        // The command reports the outcome itself, in one line; the controller's log would repeat it.
        let controller = SessionController(
            dots: [], board: board, handpiece: .rotaryR1, configuration: configuration,
            logger: Logger(label: "smpctl.identify") { _ in SwiftLogNoOpLogHandler() })
        var driver = ControllerDriver(
            controller: controller,
            transport: TrafficObservingTransport(
                base: transport, traffic: HandshakeTraffic(sessionID: configuration.sessionID)))
        driver.drainTime = 0
        let start = transport.now
        var helloAt: UInt64?
        // The hellos bound the wait for the board (the session gives up after the last); the limit only ends a
        // board that answers its hello and then no status query.
        driver.run(limit: UInt64(timeoutMilliseconds) * 1000 + statusAllowance) { driver in
            if helloAt == nil, driver.controller.hello != nil { helloAt = driver.transport.now }
            return nil
        }
        let port = transport.path
        let state = driver.controller.state
        if let hello = driver.controller.hello {
            let handshake = Duration.microseconds(Int64((helloAt ?? transport.now) - start))
            switch state {
            case .finished:
                return .success((hello, handshake))
            case .faulted(.board):
                // A fault report the board still held from an earlier session: its hello says what it is all the same.
                return .success((hello, handshake))
            default:
                break
            }
        }
        switch state {
        case .faulted(.protocolMismatch(let mismatch)):
            return .failure(CommandFailure(.unavailable, "\(port): the board speaks another protocol: \(mismatch)"))
        case .faulted(.linkLost(let failure)) where driver.controller.hello == nil:
            return .failure(CommandFailure(.ioError, "\(port): \(failure); \(driver.transport.traffic.explanation)"))
        case .faulted(.transportClosed):
            let error =
                transport.lastError
                ?? SerialError(kind: .deviceLost, operation: "read", port: port, message: "the connection ended")
            return .failure(CommandFailure(serialError: error))
        case .faulted(let reason):
            return .failure(CommandFailure(.ioError, "\(port): \(reason)"))
        default:
            if driver.controller.hello == nil && driver.controller.session.isEstablished {
                return .failure(CommandFailure(.ioError, "\(port): the peer answered as a host, not a board"))
            }
            return .failure(
                CommandFailure(
                    .ioError,
                    "\(port): the board sent its hello but answered no status query within "
                        + "\(statusAllowance / 1000) ms"))
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
        let speed = { (micrometresPerSecond: UInt32) in
            String(format: "%.1f mm/s", Double(micrometresPerSecond) / 1000)
        }
        let acceleration = { (micrometresPerSecond2: UInt32) in
            String(format: "%.1f mm/s2", Double(micrometresPerSecond2) / 1000)
        }
        Output.line(
            "  XY         at most \(speed(limits.maxSpeedXYMicrometresPerSecond)), "
                + acceleration(limits.maxAccelerationXYMicrometresPerSecond2))
        Output.line(
            "  Z          at most \(speed(limits.maxSpeedZMicrometresPerSecond)), "
                + acceleration(limits.maxAccelerationZMicrometresPerSecond2))
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
