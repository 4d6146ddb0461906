/// One dot as the board executes it. Positions and hang in micrometres, time in schedule microseconds.
public struct DotCommand: Equatable, Hashable, Sendable, Codable {
    /// Unique within a plan; the board reports completion by it, the host journals by it.
    public var id: UInt32
    /// Schedule time at which the dot starts (its XY move towards the site begins).
    public var startTime: UInt64
    public var xMicrometres: Int32
    public var yMicrometres: Int32
    /// Local hang: depth of the needle tip at the bottom of its stroke past the surface the board measured at this
    /// X/Y (positive into the skin). The board executes axis Z = hang - surface(x, y).
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
    /// How far above the board's measured skin the bottom of the stroke stays between dots (at least the hello's
    /// `min_clearance_um`), along the whole hop.
    public var liftMicrometres: UInt32
    /// Flag bit 0: the board sends a ``StrokeDetail`` report for every dot of the train.
    public var strokeDetail: Bool
    public var dots: [DotCommand]

    public init(
        strokesPerDot: UInt8, strokeRateCentihertz: UInt32, liftMicrometres: UInt32, strokeDetail: Bool = false,
        dots: [DotCommand]
    ) {
        self.strokesPerDot = strokesPerDot
        self.strokeRateCentihertz = strokeRateCentihertz
        self.liftMicrometres = liftMicrometres
        self.strokeDetail = strokeDetail
        self.dots = dots
    }

    /// The flags byte's bit for ``strokeDetail``; the other bits are reserved and must be 0.
    public static let strokeDetailFlag: UInt8 = 0x01

    /// Most dots one train may carry; keeps a train within one frame whatever the field widths.
    public static let maximumDots = 64
}
