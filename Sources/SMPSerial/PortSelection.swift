/// Marks which ports are SMP boards and resolves `--port PATH|auto`.
public enum PortSelection {
    /// The `--port` value that asks for the single recognised board.
    public static let automatic = "auto"

    /// Pairs every port with the board whose USB ids it carries (the first by model name if several share ids).
    public static func recognise(_ ports: [SerialPortDescription], catalog: BoardCatalog) -> [RecognisedPort] {
        ports.map { RecognisedPort(port: $0, board: catalog.boards(matching: $0).first) }
    }

    /// The single port that is a recognised board.
    ///
    /// - Throws: `SerialError` with kind `.noBoardFound` or `.severalBoardsFound`, port `auto`, and a message that
    ///   lists what was looked for or found and says to pass `--port PATH`.
    public static func single(
        among ports: [SerialPortDescription],
        catalog: BoardCatalog
    ) throws(SerialError) -> RecognisedPort {
        let boards = recognise(ports, catalog: catalog).filter { $0.board != nil }
        switch boards.count {
        case 1:
            return boards[0]
        case 0:
            let wanted = catalog.boards.map { "\($0.model) \(hex4($0.usb.vendorID)):\(hex4($0.usb.productID))" }
            let looked =
                wanted.isEmpty ? "no board definitions in \(catalog.directory)" : wanted.joined(separator: ", ")
            throw SerialError(
                kind: .noBoardFound,
                operation: "select",
                port: automatic,
                message:
                    "none of \(ports.count) serial port(s) has the USB ids of a known board (\(looked)); "
                    + "check the cable or pass --port PATH"
            )
        default:
            let found = boards.map { recognised in
                var text = recognised.port.path
                if let model = recognised.board?.model { text += " (\(model)" }
                if let serial = recognised.port.serialNumber { text += ", serial \(serial)" }
                return text + ")"
            }
            throw SerialError(
                kind: .severalBoardsFound,
                operation: "select",
                port: automatic,
                message: "\(found.joined(separator: ", ")); pass --port PATH to choose one"
            )
        }
    }

    /// The path to open for a `--port` value: the value itself, or for `auto` the single recognised board among
    /// the ports `listPorts` returns (by default the system's).
    public static func resolve(
        _ argument: String,
        catalog: BoardCatalog,
        listPorts: () throws(SerialError) -> [SerialPortDescription] = SerialPortEnumerator.list
    ) throws(SerialError) -> String {
        guard argument == automatic else { return argument }
        return try single(among: listPorts(), catalog: catalog).port.path
    }
}
