import SMPHardware

/// A plan that cannot be used: names the file, the place in it (JSON path such as `regions[2].polygon[5]`, or
/// an SVG element id) and what was expected. The CLI maps every `PlanError` to exit status 65.
public struct PlanError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file the problem is in (as the user named it).
    public var file: String
    /// JSON path, `svg#element-id`, or empty when the problem concerns the whole file.
    public var location: String
    /// What was wrong and what was expected.
    public var reason: String

    public init(file: String, location: String, reason: String) {
        self.file = file
        self.location = location
        self.reason = reason
    }

    public var description: String {
        location.isEmpty ? "\(file): \(reason)" : "\(file): \(location): \(reason)"
    }
}

extension PlanError {
    /// A board file the plan names that cannot be used, said exactly as every other command says it.
    public init(_ error: HardwareDefinitionError) {
        self.init(file: error.file, location: error.path, reason: error.reason)
    }
}
