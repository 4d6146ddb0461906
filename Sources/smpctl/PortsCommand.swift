import ArgumentParser
import Foundation
import SMPHardware
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

/// `--hardware DIR`: where the board, handpiece and cartridge definitions are; every command that reads
/// hardware definitions takes it and finds them the same way (``HardwareDirectory``).
struct HardwareOptions: ParsableArguments {
    @Option(
        name: .customLong("hardware"),
        help: ArgumentHelp(
            "Directory of hardware definitions (<model>/board.json, handpieces/, cartridges.json).",
            discussion: """
                Default: $\(HardwareDirectory.environmentVariable), else \(HardwareDirectory.installedRelativePath) \
                beside the smpctl executable, else Hardware/ in the working directory or the nearest one above it.
                """,
            valueName: "dir"
        )
    )
    var directory: String?

    /// The Hardware/ directory by the one lookup; exits 66 for a wrong explicit directory, 69 when none is found.
    func locate() throws -> HardwareDirectory.Location {
        do {
            return try HardwareDirectory.locate(option: directory)
        } catch {
            throw CommandFailure(hardware: error)
        }
    }

    /// The board definitions. When `required` is false and no rule finds a directory, warns and returns nil; a
    /// wrong explicit directory or a bad definition is an error either way.
    func loadCatalog(required: Bool) throws -> BoardCatalog? {
        let location: HardwareDirectory.Location
        do {
            location = try HardwareDirectory.locate(option: directory)
        } catch  where error.kind == .notFound && !required {
            Output.diagnostic("smpctl: warning: \(error.description); boards are not marked")
            return nil
        } catch {
            throw CommandFailure(hardware: error)
        }
        do {
            return try BoardCatalog.load(in: location)
        } catch {
            throw CommandFailure(hardware: error)
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
