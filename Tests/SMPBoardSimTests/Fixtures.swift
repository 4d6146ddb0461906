import Foundation
import SMPBoardSim
import SMPHardware

/// Paths and objects the tests share.
enum Fixtures {
    /// The package root, found from this file's location (Tests/SMPBoardSimTests/Fixtures.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static let boardPath = packageRoot.appendingPathComponent("Hardware/smp-driver-r1/board.json").path
    static let handpiecePath = packageRoot.appendingPathComponent("Hardware/handpieces/rotary-r1.json").path

    static func board() throws -> BoardDefinition { try BoardDefinition.load(from: boardPath) }
    static func handpiece() throws -> HandpieceDefinition { try HandpieceDefinition.load(from: handpiecePath) }

    /// A scratch file with `text`, removed by the caller.
    static func temporaryFile(_ text: String, name: String = "definition.json") throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "smpboardsim-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// The board file's JSON as a mutable dictionary, for tests that break one field.
    static func boardJSON() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: boardPath))
        return try require(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}

func require<T>(_ value: T?) throws -> T {
    guard let value else { throw FixtureMissing() }
    return value
}

struct FixtureMissing: Error {}
