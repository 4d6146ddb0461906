import Foundation

/// The board definitions found under a Hardware/ directory: every `<dir>/board.json` one level down.
public struct BoardCatalog: Sendable {
    /// The Hardware/ directory the definitions came from.
    public let directory: String
    /// The boards, sorted by model name.
    public let boards: [BoardDefinition]

    public init(directory: String, boards: [BoardDefinition]) {
        self.directory = directory
        self.boards = boards.sorted { $0.model < $1.model }
    }

    /// Reads every `board.json` one level below `directory`.
    ///
    /// - Throws: `HardwareCatalogError` naming the directory when it cannot be listed, or the file and the JSON
    ///   field when a definition cannot be decoded.
    public static func load(from directory: String) throws(HardwareCatalogError) -> BoardCatalog {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw HardwareCatalogError(path: directory, reason: "no such directory", isBadData: false)
        }
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw HardwareCatalogError(
                path: directory,
                reason: "cannot list the hardware directory (\(error.localizedDescription))",
                isBadData: false
            )
        }
        var boards: [BoardDefinition] = []
        for entry in entries.sorted() {
            let file = (directory as NSString).appendingPathComponent(entry + "/board.json")
            guard FileManager.default.fileExists(atPath: file) else { continue }
            boards.append(try decode(file: file))
        }
        return BoardCatalog(directory: directory, boards: boards)
    }

    /// The boards whose USB ids `port` carries (normally none or one).
    public func boards(matching port: SerialPortDescription) -> [BoardDefinition] {
        boards.filter { $0.matches(port) }
    }

    private static func decode(file: String) throws(HardwareCatalogError) -> BoardDefinition {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw HardwareCatalogError(path: file, reason: "cannot read the file", isBadData: false)
        }
        do {
            return try JSONDecoder().decode(BoardDefinition.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw HardwareCatalogError(
                path: file,
                reason: "missing field \(fieldPath(context.codingPath + [key]))",
                isBadData: true
            )
        } catch let DecodingError.typeMismatch(_, context) {
            throw HardwareCatalogError(
                path: file,
                reason: "field \(fieldPath(context.codingPath)) has the wrong type: \(context.debugDescription)",
                isBadData: true
            )
        } catch let DecodingError.valueNotFound(_, context) {
            throw HardwareCatalogError(
                path: file,
                reason: "field \(fieldPath(context.codingPath)) is null",
                isBadData: true
            )
        } catch {
            throw HardwareCatalogError(path: file, reason: "not valid JSON", isBadData: true)
        }
    }

    private static func fieldPath(_ path: [any CodingKey]) -> String {
        path.isEmpty ? "(top level)" : path.map(\.stringValue).joined(separator: ".")
    }
}
