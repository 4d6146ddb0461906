/// Moves X/Y to a position at a schedule time, needle retracted: to the first site, or to park.
public struct MoveTo: Equatable, Hashable, Sendable, Codable {
    public var startTime: UInt64
    public var xMicrometres: Int32
    public var yMicrometres: Int32

    public init(startTime: UInt64, xMicrometres: Int32, yMicrometres: Int32) {
        self.startTime = startTime
        self.xMicrometres = xMicrometres
        self.yMicrometres = yMicrometres
    }
}

/// Changes the motor's drive at a schedule time. The motor follows with a lag, so the host schedules this ahead of
/// the dots that need the new rate; 0 stops the motor.
public struct SetStrokeRate: Equatable, Hashable, Sendable, Codable {
    public var startTime: UInt64
    public var centihertz: UInt32

    public init(startTime: UInt64, centihertz: UInt32) {
        self.startTime = startTime
        self.centihertz = centihertz
    }
}
