import SMPHardware

/// A plan that cannot be used: names the file, the place in it (JSON path such as `regions[2].polygon[5]` with its
/// line and column, or an SVG element) and what was found and expected. The CLI maps every `PlanError` to exit
/// status 65.
public struct PlanError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file the problem is in (as the user named it).
    public var file: String
    /// JSON path, `svg#element-id`, or empty when the problem concerns the whole file.
    public var location: String
    /// What was wrong and what was expected.
    public var reason: String
    /// 1-based line and column (in bytes) of the place in the file, when known.
    public var line: Int?
    public var column: Int?

    public init(file: String, location: String, reason: String, line: Int? = nil, column: Int? = nil) {
        self.file = file
        self.location = location
        self.reason = reason
        self.line = line
        self.column = column
    }

    /// `file:line:column: location: reason`, the form compilers use, so that editors can jump to the place.
    public var description: String {
        var place = file
        if let line {
            place += ":\(line)"
            if let column { place += ":\(column)" }
        }
        return location.isEmpty ? "\(place): \(reason)" : "\(place): \(location): \(reason)"
    }
}

extension PlanError {
    /// A board file the plan names that cannot be used, said exactly as every other command says it.
    public init(_ error: HardwareDefinitionError) {
        self.init(file: error.file, location: error.path, reason: error.reason)
    }
}
