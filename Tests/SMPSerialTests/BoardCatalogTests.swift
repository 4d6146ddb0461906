import Foundation
import SMPHardware
import Testing

@testable import SMPSerial

@Suite("Board catalogue of a Hardware/ directory")
struct BoardCatalogTests {
    /// The repository's own Hardware/ directory, found from this source file.
    static let repositoryHardware = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Hardware").path

    @Test("the repository's smp-driver-r1 definition loads with its USB ids and speed")
    func loadsRepositoryBoard() throws {
        let catalog = try BoardCatalog.load(in: .init(path: Self.repositoryHardware, source: .option))
        let board = try #require(catalog.boards.first { $0.model == "smp-driver-r1" })
        #expect(board.usb == BoardDefinition.USB(vendorID: 0x1209, productID: 0x5550))
        #expect(board.serial.baud == 921_600)
        #expect(board == BoardDefinition.r1)
    }

    @Test("a malformed definition names the file and the field")
    func malformedDefinition() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hardware-\(UUID())")
        let boardDirectory = directory.appendingPathComponent("broken")
        try FileManager.default.createDirectory(at: boardDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = BoardDefinition.r1Text.replacingOccurrences(
            of: #""vendor_id": 4617"#, with: #""vendor_id": "0x1209""#)
        try Data(text.utf8).write(to: boardDirectory.appendingPathComponent("board.json"))
        let error = #expect(throws: HardwareDefinitionError.self) {
            try BoardCatalog.load(in: .init(path: directory.path, source: .option))
        }
        #expect(error?.file.hasSuffix("broken/board.json") == true)
        #expect(error?.path == "usb.vendor_id")
        #expect(error?.kind == .badData)
    }
}
