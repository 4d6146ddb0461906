/// The limits a board enforces itself, whatever the host sends, and announces in its hello.
/// Lengths in micrometres, speeds in um/s, accelerations in um/s^2, stroke rates in centihertz.
public struct BoardLimits: Equatable, Hashable, Sendable, Codable {
    public var travelXMicrometres: UInt32
    public var travelYMicrometres: UInt32
    public var travelZMicrometres: UInt32
    public var positionResolutionMicrometres: UInt32
    public var maxSpeedXYMicrometresPerSecond: UInt32
    public var maxAccelerationXYMicrometresPerSecond2: UInt32
    public var maxSpeedZMicrometresPerSecond: UInt32
    public var maxAccelerationZMicrometresPerSecond2: UInt32
    /// The absolute hang ceiling: a dot deeper than this is rejected with a fault, never clamped.
    public var hangCeilingMicrometres: UInt32
    /// How far the needle retracts in the safe state.
    public var retractClearanceMicrometres: UInt32
    public var motorMinCentihertz: UInt32
    public var motorMaxCentihertz: UInt32
    public var maxStrokesPerDot: UInt8
    public var watchdogMilliseconds: UInt32
    /// A queued command must arrive at least this long before its schedule time, or it is a late-command fault.
    public var minimumLeadMicroseconds: UInt32

    public init(
        travelXMicrometres: UInt32, travelYMicrometres: UInt32, travelZMicrometres: UInt32,
        positionResolutionMicrometres: UInt32, maxSpeedXYMicrometresPerSecond: UInt32,
        maxAccelerationXYMicrometresPerSecond2: UInt32, maxSpeedZMicrometresPerSecond: UInt32,
        maxAccelerationZMicrometresPerSecond2: UInt32, hangCeilingMicrometres: UInt32,
        retractClearanceMicrometres: UInt32, motorMinCentihertz: UInt32, motorMaxCentihertz: UInt32,
        maxStrokesPerDot: UInt8, watchdogMilliseconds: UInt32, minimumLeadMicroseconds: UInt32
    ) {
        self.travelXMicrometres = travelXMicrometres
        self.travelYMicrometres = travelYMicrometres
        self.travelZMicrometres = travelZMicrometres
        self.positionResolutionMicrometres = positionResolutionMicrometres
        self.maxSpeedXYMicrometresPerSecond = maxSpeedXYMicrometresPerSecond
        self.maxAccelerationXYMicrometresPerSecond2 = maxAccelerationXYMicrometresPerSecond2
        self.maxSpeedZMicrometresPerSecond = maxSpeedZMicrometresPerSecond
        self.maxAccelerationZMicrometresPerSecond2 = maxAccelerationZMicrometresPerSecond2
        self.hangCeilingMicrometres = hangCeilingMicrometres
        self.retractClearanceMicrometres = retractClearanceMicrometres
        self.motorMinCentihertz = motorMinCentihertz
        self.motorMaxCentihertz = motorMaxCentihertz
        self.maxStrokesPerDot = maxStrokesPerDot
        self.watchdogMilliseconds = watchdogMilliseconds
        self.minimumLeadMicroseconds = minimumLeadMicroseconds
    }
}
