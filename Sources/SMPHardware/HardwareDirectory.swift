import Foundation

/// Finds the Hardware/ directory that holds the board, handpiece and cartridge definitions: the one lookup every
/// command uses.
///
/// In order:
/// 1. the `--hardware DIR` option;
/// 2. the `SMPCTL_HARDWARE` environment variable;
/// 3. `<directory of the executable>/../share/smpctl/Hardware`, where `make install` puts it (symlinks to the
///    executable resolved first);
/// 4. a `Hardware/` directory in the working directory or the nearest directory above it (a checkout).
///
/// A directory counts only if it holds at least one `<model>/board.json`. An explicit option or environment value
/// that does not is an error, never skipped; when no rule finds one, the error names every place looked at.
public enum HardwareDirectory {
    /// The environment variable that names the Hardware/ directory.
    public static let environmentVariable = "SMPCTL_HARDWARE"
    /// Where an installed `smpctl` finds its definitions, relative to the directory of the executable.
    public static let installedRelativePath = "../share/smpctl/Hardware"

    /// Where the Hardware/ directory was found, and by which rule.
    public struct Location: Sendable, Equatable {
        /// Which rule found the directory.
        public enum Source: String, Sendable {
            case option, environment, installed
            case workingDirectory = "working_directory"
        }

        public var path: String
        public var source: Source

        public init(path: String, source: Source) {
            self.path = path
            self.source = source
        }

        /// `<path>/<model>/board.json`.
        public func boardFile(model: String) -> String { join(model, "board.json") }
        /// `<path>/handpieces/<model>.json`.
        public func handpieceFile(model: String) -> String { join("handpieces", "\(model).json") }
        /// `<path>/cartridges.json`.
        public var cartridgeCatalogueFile: String { join(CartridgeCatalogue.fileName) }

        /// The board models the directory defines (entries holding a `board.json`), sorted.
        public var boardModels: [String] { HardwareDirectory.boardModels(in: path) }

        private func join(_ components: String...) -> String {
            components.reduce(path) { ($0 as NSString).appendingPathComponent($1) }
        }
    }

    /// Applies the rules above.
    ///
    /// - Throws: ``HardwareDefinitionError`` of kind `.missing` (exit 66) when the option or the environment names
    ///   a directory that does not hold board definitions; `.notFound` (exit 69) when no rule finds one.
    public static func locate(
        option: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executablePath: String? = Bundle.main.executablePath,
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) throws(HardwareDefinitionError) -> Location {
        if let option {
            return try explicit(option, source: .option, origin: "--hardware")
        }
        if let value = environment[environmentVariable], !value.isEmpty {
            return try explicit(value, source: .environment, origin: environmentVariable)
        }
        var tried: [String] = []
        if let executablePath, !executablePath.isEmpty {
            let executable = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath()
            let installed = executable.deletingLastPathComponent().appendingPathComponent(installedRelativePath)
                .standardizedFileURL.path
            if !boardModels(in: installed).isEmpty { return Location(path: installed, source: .installed) }
            tried.append(installed)
        }
        var directory = URL(fileURLWithPath: workingDirectory).standardizedFileURL
        while true {
            let candidate = directory.appendingPathComponent("Hardware").path
            if !boardModels(in: candidate).isEmpty { return Location(path: candidate, source: .workingDirectory) }
            tried.append(candidate)
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { break }
            directory = parent
        }
        throw HardwareDefinitionError(
            .notFound, file: "Hardware/",
            found: "no directory holding <model>/board.json at \(tried.joined(separator: ", "))",
            expected: "one; pass --hardware DIR or set \(environmentVariable)")
    }

    /// The board models `directory` defines: its entries that hold a `board.json`, sorted; empty when it is not a
    /// readable directory.
    public static func boardModels(in directory: String) -> [String] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return entries.filter { entry in
            FileManager.default.fileExists(
                atPath: ((directory as NSString).appendingPathComponent(entry) as NSString)
                    .appendingPathComponent("board.json"))
        }.sorted()
    }

    private static func explicit(_ path: String, source: Location.Source, origin: String)
        throws(HardwareDefinitionError) -> Location
    {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        guard exists, isDirectory.boolValue else {
            throw HardwareDefinitionError(
                .missing, file: path,
                found: "\(exists ? "a file, not a directory" : "no such directory") (from \(origin))",
                expected: "a Hardware/ directory holding <model>/board.json")
        }
        guard !boardModels(in: path).isEmpty else {
            throw HardwareDefinitionError(
                .missing, file: path, found: "a directory with no <model>/board.json in it (from \(origin))",
                expected: "a Hardware/ directory holding <model>/board.json")
        }
        return Location(path: path, source: source)
    }
}

extension BoardDefinition {
    /// Reads every board definition of a Hardware/ directory (`<model>/board.json`), sorted by model.
    ///
    /// - Throws: the first file's ``HardwareDefinitionError``; a definition whose `model` differs from its
    ///   directory's name is refused too, since ports and commands name boards by directory.
    public static func loadAll(in directory: HardwareDirectory.Location) throws(HardwareDefinitionError)
        -> [BoardDefinition]
    {
        var boards: [BoardDefinition] = []
        for model in directory.boardModels {
            let file = directory.boardFile(model: model)
            let board = try load(from: file)
            guard board.model == model else {
                throw HardwareDefinitionError(
                    .badData, file: file, path: "model", found: "\"\(board.model)\"",
                    expected: "\"\(model)\", the name of the directory it is in")
            }
            boards.append(board)
        }
        return boards
    }
}
