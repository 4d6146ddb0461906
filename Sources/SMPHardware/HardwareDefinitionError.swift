/// A hardware definition (board, handpiece, cartridge catalogue) or a Hardware/ directory that cannot be used.
///
/// The description is one line naming the file, the JSON path of the field, what was found and what was expected,
/// so that every command prints it unchanged and exits with ``exitCode``.
public struct HardwareDefinitionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why the definition cannot be used; decides the exit status.
    public enum Kind: Sendable, Equatable {
        /// The file or directory is missing or unreadable (sysexits 66, `EX_NOINPUT`).
        case missing
        /// The file exists but its content is wrong (sysexits 65, `EX_DATAERR`).
        case badData
        /// No Hardware/ directory was found in any of the places looked at (sysexits 69, `EX_UNAVAILABLE`).
        case notFound
    }

    /// Missing, bad data or not found.
    public var kind: Kind
    /// The file or directory, as the user named it (or as the lookup built it).
    public var file: String
    /// JSON path of the field, e.g. `axes.x.travel_mm` or `cartridges[2].diameter_mm`; empty for the whole file.
    public var path: String
    /// What is there (a value, a type, "an unknown key"); empty when nothing useful can be said.
    public var found: String
    /// What would have been accepted.
    public var expected: String

    /// Creates an error; `path` and `found` may be empty.
    public init(_ kind: Kind, file: String, path: String = "", found: String = "", expected: String) {
        self.kind = kind
        self.file = file
        self.path = path
        self.found = found
        self.expected = expected
    }

    /// The sysexits status a command exits with: 65 bad data, 66 missing input, 69 nothing found.
    public var exitCode: Int32 {
        switch kind {
        case .badData: 65
        case .missing: 66
        case .notFound: 69
        }
    }

    /// `found X; expected Y` (or `expected Y`), on one line: the part after the file and the path.
    public var reason: String {
        let text = found.isEmpty ? "expected \(expected)" : "found \(found); expected \(expected)"
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    /// `file: path: found X; expected Y`, on one line.
    public var description: String {
        let place = path.isEmpty ? file : "\(file): \(path)"
        return "\(place): \(reason)".split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
