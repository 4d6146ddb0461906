/// One dot of a plan: where, which region and session, and its stable id.
public struct PlannedDot: Sendable, Equatable {
    /// Unique in the plan and the same on every run with the same plan file and seed; later modules journal by it.
    public var id: Int
    public var position: Point
    /// Index into `Plan.regions`.
    public var regionIndex: Int
    /// 1-based session in which the dot is needled.
    public var session: Int
    /// A hairline sentinel: an isolated dot in front of the line (it may sit outside the region's polygon).
    public var isSentinel: Bool

    public init(id: Int, position: Point, regionIndex: Int, session: Int, isSentinel: Bool = false) {
        self.id = id
        self.position = position
        self.regionIndex = regionIndex
        self.session = session
        self.isSentinel = isSentinel
    }
}
