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
    /// Step of the executed Z: the board rounds every Z it computes (local hang minus surface) to it.
    public var zResolutionMicrometres: UInt32
    /// Least `lift_um` a dot train may ask: the stroking needle's bottom stays this far above the measured skin
    /// between dots (surface interpolation error + stroke-bottom overshoot + margin).
    public var minimumClearanceMicrometres: UInt32
    /// A stroke bottom counts when the axis Z there is within this of the dot's executed Z.
    public var fullDepthToleranceMicrometres: UInt32
    /// Touch-off: Z speed from the retract height down to `approach_um`, slow enough that a contact met on the way
    /// stops below the force limit.
    public var probeApproachSpeedMicrometresPerSecond: UInt32
    /// Touch-off: Z speed below `approach_um`.
    public var probeSpeedMicrometresPerSecond: UInt32
    /// Touch-off: load (mN) that marks contact.
    public var probeThresholdMillinewtons: UInt32
    /// Touch-off: a peak load above this (mN) is a `probe_force_limit` fault; below the least puncture force of
    /// any cartridge the board accepts.
    public var probeForceLimitMillinewtons: UInt32
    /// Touch-off: descent below `approach_um` without contact after which it is `probe_no_contact`.
    public var probeMaxTravelMicrometres: UInt32
    /// Most nodes a `surface_grid` may declare (nx * ny).
    public var surfaceMaxNodes: UInt32

    public init(
        travelXMicrometres: UInt32, travelYMicrometres: UInt32, travelZMicrometres: UInt32,
        positionResolutionMicrometres: UInt32, maxSpeedXYMicrometresPerSecond: UInt32,
        maxAccelerationXYMicrometresPerSecond2: UInt32, maxSpeedZMicrometresPerSecond: UInt32,
        maxAccelerationZMicrometresPerSecond2: UInt32, hangCeilingMicrometres: UInt32,
        retractClearanceMicrometres: UInt32, motorMinCentihertz: UInt32, motorMaxCentihertz: UInt32,
        maxStrokesPerDot: UInt8, watchdogMilliseconds: UInt32, minimumLeadMicroseconds: UInt32,
        zResolutionMicrometres: UInt32, minimumClearanceMicrometres: UInt32, fullDepthToleranceMicrometres: UInt32,
        probeApproachSpeedMicrometresPerSecond: UInt32, probeSpeedMicrometresPerSecond: UInt32,
        probeThresholdMillinewtons: UInt32, probeForceLimitMillinewtons: UInt32, probeMaxTravelMicrometres: UInt32,
        surfaceMaxNodes: UInt32
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
        self.zResolutionMicrometres = zResolutionMicrometres
        self.minimumClearanceMicrometres = minimumClearanceMicrometres
        self.fullDepthToleranceMicrometres = fullDepthToleranceMicrometres
        self.probeApproachSpeedMicrometresPerSecond = probeApproachSpeedMicrometresPerSecond
        self.probeSpeedMicrometresPerSecond = probeSpeedMicrometresPerSecond
        self.probeThresholdMillinewtons = probeThresholdMillinewtons
        self.probeForceLimitMillinewtons = probeForceLimitMillinewtons
        self.probeMaxTravelMicrometres = probeMaxTravelMicrometres
        self.surfaceMaxNodes = surfaceMaxNodes
    }
}
