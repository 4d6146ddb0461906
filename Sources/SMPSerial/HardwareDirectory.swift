import Foundation

/// Finds the Hardware/ directory that holds the board definitions.
///
/// In order: the `--hardware DIR` option, the `SMPCTL_HARDWARE` environment variable, then the source tree the
/// executable was built in, found by walking up from the executable's real path (symlinks resolved) to the first
/// directory that contains `Hardware/` with at least one `*/board.json`. The last rule makes `.build/debug/smpctl`
/// and `.build/release/smpctl` work from a checkout with no setup; an installed copy needs one of the first two.
public enum HardwareDirectory {
    /// The environment variable that names the Hardware/ directory.
    public static let environmentVariable = "SMPCTL_HARDWARE"

    /// Where the Hardware/ directory was found, and by which rule.
    public struct Location: Sendable, Equatable {
        public enum Source: String, Sendable {
            case option, environment, executable
        }

        public var path: String
        public var source: Source
    }

    /// Applies the rules above; nil when the first two are unset and no source tree is found above the executable.
    ///
    /// An explicit option or environment value is returned as given, without checking it, so that a wrong value
    /// fails loudly when it is read rather than being silently skipped.
    public static func locate(
        option: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        executablePath: String = Bundle.main.executablePath ?? CommandLine.arguments.first ?? ""
    ) -> Location? {
        if let option, !option.isEmpty { return Location(path: option, source: .option) }
        if let value = environment[environmentVariable], !value.isEmpty {
            return Location(path: value, source: .environment)
        }
        let executable = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath()
        var directory = executable.deletingLastPathComponent()
        while true {
            let candidate = directory.appendingPathComponent("Hardware").path
            if containsBoardDefinition(candidate) { return Location(path: candidate, source: .executable) }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { return nil }
            directory = parent
        }
    }

    private static func containsBoardDefinition(_ directory: String) -> Bool {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return false }
        return entries.contains { entry in
            FileManager.default.fileExists(
                atPath: (directory as NSString).appendingPathComponent(entry + "/board.json"))
        }
    }
}
