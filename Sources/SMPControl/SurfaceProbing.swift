import SMPMotion
import SMPWire

/// The surface grid the controller touches off before a session: nodes at a fixed spacing over the box of the
/// plan's dots (plus a margin), inside the board's travel and its node limit.
public struct ProbeGridPlan: Sendable, Equatable {
    public var grid: SurfaceGrid

    /// Node spacing (µm): 10 mm keeps the Catmull-Rom map of a scalp within a few µm of the skin between nodes
    /// (the dome's curvature radius is ~130 mm) at ~1 node per cm².
    public static let defaultSpacingMicrometres: Int64 = 10_000
    /// Margin around the dots' box (µm): a dot on the box edge still sits inside a probed cell.
    public static let marginMicrometres: Int64 = 1_000

    /// The grid over `dots`, or nil when the box cannot be covered inside the board's limits (then the one-line
    /// reason is in `problem`).
    public static func covering(
        _ dots: [MotionDot], limits: BoardLimits, spacing requested: Int64 = defaultSpacingMicrometres
    ) -> Result<ProbeGridPlan, HostCheckError> {
        guard !dots.isEmpty else {
            return .failure(HostCheckError(dotID: 0, field: "dots", found: "none", expected: "at least one dot"))
        }
        let xs = dots.map { Int64(($0.xMM * 1000).rounded()) }
        let ys = dots.map { Int64(($0.yMM * 1000).rounded()) }
        let travelX = Int64(limits.travelXMicrometres)
        let travelY = Int64(limits.travelYMicrometres)
        var spacing = max(Int64(SurfaceGrid.minimumSpacingMicrometres), requested)
        let maxNodes = Int64(max(4, limits.surfaceMaxNodes))
        func axis(_ low: Int64, _ high: Int64, travel: Int64) -> (origin: Int64, count: Int64) {
            let start = max(0, low - marginMicrometres)
            let end = min(travel, high + marginMicrometres)
            var count = max(2, (end - start + spacing - 1) / spacing + 1)
            var origin = start
            // Keep the last node inside travel: slide the grid back, and if it still does not fit, drop a node.
            while origin + (count - 1) * spacing > travel {
                if origin > 0 { origin = max(0, travel - (count - 1) * spacing) } else { count -= 1 }
                if count < 2 { break }
            }
            return (origin, count)
        }
        while true {
            let x = axis(xs.min()!, xs.max()!, travel: travelX)
            let y = axis(ys.min()!, ys.max()!, travel: travelY)
            let fitsAxes = x.count <= 32 && y.count <= 32
            if fitsAxes && x.count * y.count <= maxNodes && x.count >= 2 && y.count >= 2 {
                return .success(
                    ProbeGridPlan(
                        grid: SurfaceGrid(
                            originXMicrometres: Int32(x.origin), originYMicrometres: Int32(y.origin),
                            spacingMicrometres: UInt32(spacing), nx: UInt8(x.count), ny: UInt8(y.count))))
            }
            if x.count < 2 || y.count < 2 || spacing > max(travelX, travelY) {
                return .failure(
                    HostCheckError(
                        dotID: 0, field: "surface_grid", found: "\(x.count) x \(y.count) nodes",
                        expected: "2-32 nodes per axis inside the travel, at most \(maxNodes) in all"))
            }
            spacing += spacing / 4
        }
    }

    public var nodeCount: Int { Int(grid.nx) * Int(grid.ny) }

    /// Node `index` (row-major) in µm.
    public func position(ofNode index: Int) -> (x: Int32, y: Int32) {
        let position = grid.position(ofNode: index)
        return (Int32(position.x), Int32(position.y))
    }

    /// The order the nodes are probed in: a serpentine over the rows, so the head moves one spacing per node and
    /// each node's approach can start from a neighbour's contact.
    public var visitingOrder: [Int] {
        var order: [Int] = []
        for iy in 0..<Int(grid.ny) {
            let row = (0..<Int(grid.nx)).map { iy * Int(grid.nx) + $0 }
            order += iy % 2 == 0 ? row : row.reversed()
        }
        return order
    }
}

/// The board's surface map as the host rebuilt it from the touch-off results, in the motion model's terms: the same
/// map type and arithmetic as the board's (SMPWire ``SurfaceMap``), so hop heights and executed Z agree to the µm.
public struct HostSurface: SurfaceHeights {
    public var map: SurfaceMap

    public init(map: SurfaceMap) { self.map = map }

    public func heightMM(x: Double, y: Double) -> Double {
        Double(map.height(x: x * 1000, y: y * 1000) ?? 0) / 1000
    }

    public var isFlat: Bool { map.isFlat }

    /// True when the board's map covers (x, y) (mm): a dot there will not be refused `no_surface`.
    public func covers(xMM: Double, yMM: Double) -> Bool { map.height(x: xMM * 1000, y: yMM * 1000) != nil }
}
