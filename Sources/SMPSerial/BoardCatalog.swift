import Foundation
import SMPHardware

/// The board definitions of a Hardware/ directory, for recognising boards on the bus by their USB ids.
public struct BoardCatalog: Sendable {
    /// The Hardware/ directory the definitions came from (empty for a catalogue built in memory).
    public let directory: String
    /// The boards, sorted by model name.
    public let boards: [BoardDefinition]

    public init(directory: String, boards: [BoardDefinition]) {
        self.directory = directory
        self.boards = boards.sorted { $0.model < $1.model }
    }

    /// Reads every `<model>/board.json` of `directory` with the one board reader.
    ///
    /// - Throws: the first definition's ``HardwareDefinitionError`` (file, JSON path, found, expected).
    public static func load(in directory: HardwareDirectory.Location) throws(HardwareDefinitionError) -> BoardCatalog {
        BoardCatalog(directory: directory.path, boards: try BoardDefinition.loadAll(in: directory))
    }

    /// The boards whose USB ids `port` carries (normally none or one).
    public func boards(matching port: SerialPortDescription) -> [BoardDefinition] {
        boards.filter { $0.matches(port) }
    }
}

extension BoardDefinition {
    /// True when `port` carries this board's USB vendor and product id.
    public func matches(_ port: SerialPortDescription) -> Bool {
        port.usbVendorID == usb.vendorID && port.usbProductID == usb.productID
    }
}
