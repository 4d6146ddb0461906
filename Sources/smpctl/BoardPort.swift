import SMPHardware
import SMPRun
import SMPSerial
import SMPWire

/// `--port PATH|auto` with `--hardware` and `--baud`: how every command that talks to a board (identify, run,
/// calibrate) finds its port, opens it and makes sure an SMP board answers on it.
enum BoardPort {
    /// A board that answered its hello on an open port.
    struct Connection {
        let path: String
        /// The definition `auto` recognised the board by; nil for a path given directly.
        let recognised: BoardDefinition?
        let transport: SerialControllerTransport
        let hello: BoardHello
        /// From opening the port to the board's hello.
        let handshake: Duration

        /// The board definition the session plans with: the recognised one, else the reference board.
        var board: BoardDefinition { recognised ?? .r1 }
    }

    /// The path `option` names and the board definition it was recognised by: `auto` takes the single connected
    /// board the hardware catalog knows (exit 69 for none or several), any other value is a path, taken as given.
    static func resolve(_ option: String, hardware: HardwareOptions) throws -> (
        path: String, board: BoardDefinition?
    ) {
        let automatic = option == PortSelection.automatic
        // Loaded for a path too: a wrong explicit --hardware is an error whatever the port.
        let catalog = try hardware.loadCatalog(required: automatic) ?? BoardCatalog(directory: "", boards: [])
        guard automatic else { return (option, nil) }
        do {
            let recognised = try PortSelection.single(among: SerialPortEnumerator.list(), catalog: catalog)
            return (recognised.port.path, recognised.board)
        } catch {
            throw CommandFailure(serialError: error)
        }
    }

    /// Resolves `option`, opens the port at `line`'s speed and runs the handshake: exit 69 for a port that cannot be
    /// used or a board of another protocol, 74 for one that does not answer within `timeoutMilliseconds`. The
    /// caller closes the connection's transport.
    static func connect(
        _ option: String, hardware: HardwareOptions, line: LineSpeedOption, timeoutMilliseconds: Int
    ) throws -> Connection {
        let (path, recognised) = try resolve(option, hardware: hardware)
        let transport: SerialControllerTransport
        do {
            transport = try SerialControllerTransport(
                path: path, configuration: SerialConfiguration(baudRate: line.rate(for: recognised)))
        } catch {
            throw CommandFailure(serialError: error)
        }
        let identification = BoardIdentification.run(
            on: transport, board: recognised ?? .r1, timeoutMilliseconds: timeoutMilliseconds)
        switch identification {
        case .success(let (hello, handshake)):
            return Connection(
                path: path, recognised: recognised, transport: transport, hello: hello, handshake: handshake)
        case .failure(let failure):
            transport.close()
            throw failure
        }
    }
}
