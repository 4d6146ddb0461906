/// One dot as the board executes it. Positions and hang in micrometres, time in schedule microseconds.
public struct DotCommand: Equatable, Hashable, Sendable, Codable {
    /// Unique within a plan; the board reports completion by it, the host journals by it.
    public var id: UInt32
    /// Schedule time at which the dot starts (its XY move towards the site begins).
    public var startTime: UInt64
    public var xMicrometres: Int32
    public var yMicrometres: Int32
    /// Needle hang below the contact plane at the bottom of the stroke. Height-mesh compensation is folded in.
    public var hangMicrometres: Int32

    public init(id: UInt32, startTime: UInt64, xMicrometres: Int32, yMicrometres: Int32, hangMicrometres: Int32) {
        self.id = id
        self.startTime = startTime
        self.xMicrometres = xMicrometres
        self.yMicrometres = yMicrometres
        self.hangMicrometres = hangMicrometres
    }
}

/// A run of dots sharing strokes, stroke rate and travel lift, delta-coded and bit-packed so that a dense pattern
/// costs a few bytes a dot (Docs/Protocol.md, "Dot train").
public struct DotTrain: Equatable, Hashable, Sendable, Codable {
    public var strokesPerDot: UInt8
    public var strokeRateCentihertz: UInt32
    /// How far above the contact plane the needle tip travels between dots.
    public var liftMicrometres: UInt32
    public var dots: [DotCommand]

    public init(strokesPerDot: UInt8, strokeRateCentihertz: UInt32, liftMicrometres: UInt32, dots: [DotCommand]) {
        self.strokesPerDot = strokesPerDot
        self.strokeRateCentihertz = strokeRateCentihertz
        self.liftMicrometres = liftMicrometres
        self.dots = dots
    }

    /// Most dots one train may carry; keeps a train within one frame whatever the field widths.
    public static let maximumDots = 64
}
