import ArgumentParser
import Foundation
import SMPSerial

/// `smpctl ports`: lists serial ports and marks the ones that are SMP boards.
struct PortsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ports",
        abstract: "List serial ports with their USB ids and mark the SMP boards among them.",
        discussion: """
            A port is marked as a board when its USB vendor and product id match a board definition \
            (Hardware/<model>/board.json). Pseudo-terminals, such as the one `smpctl sim --pty` offers, are not \
            listed: pass their path to --port directly.
            """
    )

    @OptionGroup var hardware: HardwareOptions

    @Flag(help: "Print one JSON document on stdout instead of a table.")
    var json = false

    func run() throws {
        let catalog = try hardware.loadCatalog(required: false)
        let ports: [SerialPortDescription]
        do {
            ports = try SerialPortEnumerator.list()
        } catch {
            throw CommandFailure(serialError: error)
        }
        let recognised = PortSelection.recognise(ports, catalog: catalog ?? BoardCatalog(directory: "", boards: []))
        if json {
            try Output.json(PortsReport(hardwareDirectory: catalog?.directory, ports: recognised.map(PortEntry.init)))
        } else {
            printTable(recognised)
        }
    }

    private func printTable(_ recognised: [RecognisedPort]) {
        guard !recognised.isEmpty else {
            Output.line("no serial ports found")
            return
        }
        let header = ["", "PATH", "TRANSPORT", "USB ID", "SERIAL", "DESCRIPTION", "BOARD"]
        let rows = recognised.map { entry -> [String] in
            let port = entry.port
            var description = port.product ?? port.description ?? ""
            if let manufacturer = port.manufacturer { description += " (\(manufacturer))" }
            return [
                entry.board == nil ? "" : "*", port.path, port.transport.rawValue, port.usbIDText ?? "-",
                port.serialNumber ?? "-", description, entry.board?.model ?? "",
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        for row in [header] + rows {
            let cells = row.indices.map { column in
                column == row.count - 1
                    ? row[column] : row[column].padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }
            var line = cells.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            Output.line(line)
        }
    }
}

/// `--hardware DIR`: where the board definitions are; shared by the commands that recognise boards.
struct HardwareOptions: ParsableArguments {
    @Option(
        name: .customLong("hardware"),
        help: ArgumentHelp(
            "Directory of board definitions (<model>/board.json).",
            discussion: "Default: $SMPCTL_HARDWARE, else the Hardware/ folder of the source tree smpctl was built in.",
            valueName: "dir"
        )
    )
    var directory: String?

    /// The board definitions; nil (with a warning) when none can be found and `required` is false.
    func loadCatalog(required: Bool) throws -> BoardCatalog? {
        guard let location = HardwareDirectory.locate(option: directory) else {
            let message =
                "no Hardware/ directory found; pass --hardware DIR or set \(HardwareDirectory.environmentVariable)"
            if required { throw CommandFailure(.unavailable, message) }
            Output.diagnostic("smpctl: warning: \(message); boards are not marked")
            return nil
        }
        do {
            return try BoardCatalog.load(from: location.path)
        } catch {
            let origin: String
            switch location.source {
            case .option: origin = " (from --hardware)"
            case .environment: origin = " (from \(HardwareDirectory.environmentVariable))"
            case .executable: origin = ""
            }
            throw CommandFailure(error.isBadData ? .dataError : .unavailable, error.description + origin)
        }
    }
}

extension CommandFailure {
    /// Exit 69 for a port that cannot be used (missing, busy, not a serial port, no permission, no or several
    /// boards), 74 for a failure while using it.
    init(serialError: SerialError) {
        self.init(serialError.isUnavailable ? .unavailable : .ioError, serialError.description)
    }
}

/// The JSON shape of `smpctl ports --json`.
private struct PortsReport: Encodable {
    let hardwareDirectory: String?
    let ports: [PortEntry]

    enum CodingKeys: String, CodingKey {
        case hardwareDirectory, ports
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(hardwareDirectory, forKey: .hardwareDirectory)
        try container.encode(ports, forKey: .ports)
    }
}

/// One port in `smpctl ports --json`; absent values are null, so every entry has the same keys.
private struct PortEntry: Encodable {
    let port: SerialPortDescription
    let board: String?

    init(_ recognised: RecognisedPort) {
        port = recognised.port
        board = recognised.board?.model
    }

    enum CodingKeys: String, CodingKey {
        case path, transport, usbVendorId, usbProductId, usbId, manufacturer, product, serialNumber, description
        case board
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(port.path, forKey: .path)
        try container.encode(port.transport.rawValue, forKey: .transport)
        try container.encode(port.usbVendorID, forKey: .usbVendorId)
        try container.encode(port.usbProductID, forKey: .usbProductId)
        try container.encode(port.usbIDText, forKey: .usbId)
        try container.encode(port.manufacturer, forKey: .manufacturer)
        try container.encode(port.product, forKey: .product)
        try container.encode(port.serialNumber, forKey: .serialNumber)
        try container.encode(port.description, forKey: .description)
        try container.encode(board, forKey: .board)
    }
}
