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

/// Measures the skin height at one X/Y by a slow, force-limited descent with the motor stopped and the cam parked
/// at bottom dead centre (Docs/Protocol.md, "Touch-off"). Answered by a ``TouchOffResult``.
public struct TouchOff: Equatable, Hashable, Sendable, Codable {
    public var startTime: UInt64
    public var xMicrometres: Int32
    public var yMicrometres: Int32
    /// Axis Z (hang coordinates) down to which Z travels at the approach speed; slow probing starts here.
    public var approachMicrometres: Int32
    /// 0: measure only. k > 0: store the result as node k - 1 of the surface grid (X/Y must be that node's).
    public var node: UInt32

    public init(startTime: UInt64, xMicrometres: Int32, yMicrometres: Int32, approachMicrometres: Int32, node: UInt32) {
        self.startTime = startTime
        self.xMicrometres = xMicrometres
        self.yMicrometres = yMicrometres
        self.approachMicrometres = approachMicrometres
        self.node = node
    }
}

/// Declares the board's surface grid (and clears its map), or, with `nx == ny == 0`, a flat test set-up: surface 0
/// everywhere, no probing needed. Executed in queue order, as soon as it reaches the head of the queue.
public struct SurfaceGrid: Equatable, Hashable, Sendable, Codable {
    public var originXMicrometres: Int32
    public var originYMicrometres: Int32
    /// Node spacing in X and Y.
    public var spacingMicrometres: UInt32
    public var nx: UInt8
    public var ny: UInt8

    public init(originXMicrometres: Int32, originYMicrometres: Int32, spacingMicrometres: UInt32, nx: UInt8, ny: UInt8)
    {
        self.originXMicrometres = originXMicrometres
        self.originYMicrometres = originYMicrometres
        self.spacingMicrometres = spacingMicrometres
        self.nx = nx
        self.ny = ny
    }

    /// The flat test set-up, declared explicitly.
    public static let flat = SurfaceGrid(
        originXMicrometres: 0, originYMicrometres: 0, spacingMicrometres: 0, nx: 0, ny: 0)

    public var isFlat: Bool { nx == 0 && ny == 0 }
    /// Least node spacing a board accepts.
    public static let minimumSpacingMicrometres: UInt32 = 1_000
    /// Nodes per axis of a grid.
    public static let nodesPerAxis: ClosedRange<UInt8> = 2...32

    /// X/Y of node `index` (row-major: index = iy * nx + ix).
    public func position(ofNode index: Int) -> (x: Int64, y: Int64) {
        let ix = index % max(1, Int(nx))
        let iy = index / max(1, Int(nx))
        return (
            Int64(originXMicrometres) + Int64(ix) * Int64(spacingMicrometres),
            Int64(originYMicrometres) + Int64(iy) * Int64(spacingMicrometres)
        )
    }
}

/// The operator fitted a cartridge (priority; accepted only in the safe state). The board then holds its surface
/// map unverified until a touch-off at a stored node re-zeroes it.
public struct CartridgeFitted: Equatable, Hashable, Sendable, Codable {
    /// The catalogue name of the cartridge (Hardware/cartridges.json), e.g. `3RL 0.25`.
    public var cartridge: String

    public init(cartridge: String) { self.cartridge = cartridge }
}
