/// A problem with something the user gave the simulator: a skin type, a fault spec, a truth file. (Board and
/// handpiece files are SMPHardware's: they throw ``SMPHardware/HardwareDefinitionError``.)
///
/// The description is one line naming the source (a file path or a command-line flag), the field and what was
/// expected, so that the CLI can print it unchanged and exit with ``exitCode``.
public struct SimulatorInputError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Whether the user typed something wrong (a flag) or a file holds bad data.
    public enum Kind: Sendable, Equatable {
        /// A command-line value is wrong: sysexits 64.
        case usage
        /// A file's content is wrong: sysexits 65.
        case data
    }

    /// Usage or data.
    public let kind: Kind
    /// The file path or flag (e.g. `--faults`) the problem is in.
    public let source: String
    /// The field, JSON path or spec key; empty when the whole source is at fault (e.g. unreadable file).
    public let field: String
    /// What is wrong and what was expected.
    public let reason: String

    /// Creates an error; `field` may be empty.
    public init(_ kind: Kind, source: String, field: String, reason: String) {
        self.kind = kind
        self.source = source
        self.field = field
        self.reason = reason
    }

    /// The sysexits status the CLI should exit with (64 usage, 65 data).
    public var exitCode: Int32 { kind == .usage ? 64 : 65 }

    public var description: String {
        field.isEmpty ? "\(source): \(reason)" : "\(source): \(field): \(reason)"
    }
}
