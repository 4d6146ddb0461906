import Foundation
import Testing

@testable import SMPSerial

@Suite("Board definitions and the Hardware/ directory")
struct BoardCatalogTests {
    /// The repository's own Hardware/ directory, found from this source file.
    static let repositoryHardware = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Hardware").path

    @Test("the repository's smp-driver-r1 definition loads with its USB ids and speed")
    func loadsRepositoryBoard() throws {
        let catalog = try BoardCatalog.load(from: Self.repositoryHardware)
        let board = try #require(catalog.boards.first { $0.model == "smp-driver-r1" })
        #expect(board.usb == BoardDefinition.USBIdentity(vendorID: 0x1209, productID: 0x5550))
        #expect(board.serial?.baud == 921_600)
    }

    @Test("a malformed definition names the file and the field")
    func malformedDefinition() throws {
        let directory = try temporaryHardware(["broken": #"{"model": "x", "usb": {"vendor_id": "0x1209"}}"#])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let error = #expect(throws: HardwareCatalogError.self) { try BoardCatalog.load(from: directory) }
        #expect(error?.path.hasSuffix("broken/board.json") == true)
        #expect(error?.reason.contains("usb.vendor_id") == true)
        #expect(error?.isBadData == true)
    }

    @Test("a missing directory is reported, not treated as empty")
    func missingDirectory() throws {
        let error = #expect(throws: HardwareCatalogError.self) { try BoardCatalog.load(from: "/nonexistent/Hardware") }
        #expect(error?.path == "/nonexistent/Hardware")
        #expect(error?.isBadData == false)
    }

    @Test("the option wins over the environment, which wins over the source tree")
    func locatePrecedence() {
        let environment = [HardwareDirectory.environmentVariable: "/from/env"]
        let executable = Self.repositoryHardware + "/../.build/debug/smpctl"
        #expect(
            HardwareDirectory.locate(option: "/opt", environment: environment, executablePath: executable)
                == .init(path: "/opt", source: .option))
        #expect(
            HardwareDirectory.locate(option: nil, environment: environment, executablePath: executable)
                == .init(path: "/from/env", source: .environment))
        let found = HardwareDirectory.locate(option: nil, environment: [:], executablePath: executable)
        #expect(found?.source == .executable)
        #expect(
            found.map { URL(fileURLWithPath: $0.path).standardizedFileURL.path }
                == URL(fileURLWithPath: Self.repositoryHardware).standardizedFileURL.path)
    }

    @Test("no option, no environment and no source tree above the executable: nil")
    func locateNothing() {
        #expect(HardwareDirectory.locate(option: nil, environment: [:], executablePath: "/usr/bin/smpctl") == nil)
    }

    private func temporaryHardware(_ boards: [String: String]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hardware-\(UUID())")
        for (name, json) in boards {
            let boardDirectory = directory.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: boardDirectory, withIntermediateDirectories: true)
            try Data(json.utf8).write(to: boardDirectory.appendingPathComponent("board.json"))
        }
        return directory.path
    }
}
