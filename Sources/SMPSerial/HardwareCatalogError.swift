/// A board definition that cannot be found or read: names the file and the reason.
public struct HardwareCatalogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The directory or file concerned.
    public var path: String
    /// Why it cannot be used.
    public var reason: String
    /// True when the file exists but its content is wrong (exit 65), false when it is missing or unreadable.
    public var isBadData: Bool

    public init(path: String, reason: String, isBadData: Bool) {
        self.path = path
        self.reason = reason
        self.isBadData = isBadData
    }

    public var description: String { "\(path): \(reason)" }
}
