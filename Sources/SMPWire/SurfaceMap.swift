/// The firmware's own measurement of the skin: a grid of touched-off heights interpolated Catmull-Rom bicubic, or
/// the flat test set-up declared explicitly (Docs/Protocol.md, "Surface map"). The board keeps one; the host keeps
/// the same one from the touch-off results it received, so that its motion model hops over the skin the board
/// believes in: one copy of the arithmetic for both sides.
///
/// Heights are hang coordinates of the skin in micrometres, positive = skin higher (closer to the needle): a dot of
/// local hang H at (x, y) executes axis Z = H - height(x, y). The map survives reconnects and faults (it is a
/// measurement, not a state); power-up and a brown-out clear it, a cartridge change makes it unverified.
public struct SurfaceMap: Sendable, Equatable {
    /// An empty map: unmapped, nothing covered.
    public init() {}

    public private(set) var grid: SurfaceGrid?
    public private(set) var isFlat = false
    /// Row-major node heights (um), nil where not probed.
    public private(set) var heights: [Int32?] = []
    /// False after a cartridge change, until a touch-off at a stored node re-zeroes the map.
    public private(set) var isVerified = true

    public var mode: SurfaceMode {
        if isFlat { return .flat }
        guard grid != nil else { return .unmapped }
        return isVerified ? .grid : .unverified
    }

    /// Applies a `surface_grid`: a new grid (clearing every height) or the flat declaration.
    public mutating func declare(_ declaration: SurfaceGrid) {
        isVerified = true
        if declaration.isFlat {
            grid = nil
            isFlat = true
            heights = []
        } else {
            grid = declaration
            isFlat = false
            heights = Array(repeating: nil, count: Int(declaration.nx) * Int(declaration.ny))
        }
    }

    /// Stores a touched-off height at node `index`. On an unverified map a node already stored re-zeroes the whole
    /// map: every height shifts by the difference (the new cartridge's needle reaches further or less far).
    public mutating func store(height: Int32, node index: Int) {
        guard heights.indices.contains(index) else { return }
        if !isVerified, let old = heights[index] {
            let shift = Int64(height) - Int64(old)
            heights = heights.map { $0.map { Int32(clamping: Int64($0) + shift) } }
            isVerified = true
        }
        heights[index] = height
    }

    /// A cartridge was fitted: heights are kept but unverified until a re-zero. The flat set-up stays flat.
    public mutating func invalidateZero() {
        if grid != nil { isVerified = false }
    }

    /// Power-up or brown-out: nothing measured.
    public mutating func clear() { self = SurfaceMap() }

    /// The interpolated height at (x, y) in um, rounded half away from zero to 1 um; nil when not covered.
    public func height(x: Double, y: Double) -> Int32? {
        if isFlat { return 0 }
        guard let grid, isVerified else { return nil }
        let nx = Int(grid.nx)
        let ny = Int(grid.ny)
        let spacing = Double(grid.spacingMicrometres)
        let u = (x - Double(grid.originXMicrometres)) / spacing
        let v = (y - Double(grid.originYMicrometres)) / spacing
        guard u >= 0, v >= 0, u <= Double(nx - 1), v <= Double(ny - 1) else { return nil }
        // The cell whose lower corner is (i, j); a point on the last grid line belongs to the last cell.
        let i = min(Int(u.rounded(.down)), nx - 2)
        let j = min(Int(v.rounded(.down)), ny - 2)
        let tx = u - Double(i)
        let ty = v - Double(j)
        func node(_ ix: Int, _ iy: Int) -> Double? {
            guard (0..<nx).contains(ix), (0..<ny).contains(iy), let value = heights[iy * nx + ix] else { return nil }
            return Double(value)
        }
        func row(_ iy: Int) -> Double? {
            guard let p1 = node(i, iy), let p2 = node(i + 1, iy) else { return nil }
            let p0 = node(i - 1, iy) ?? 2 * p1 - p2
            let p3 = node(i + 2, iy) ?? 2 * p2 - p1
            return Self.catmullRom(p0, p1, p2, p3, tx)
        }
        guard let r1 = row(j), let r2 = row(j + 1) else { return nil }
        let r0 = row(j - 1) ?? 2 * r1 - r2
        let r3 = row(j + 2) ?? 2 * r2 - r1
        return Int32(Self.catmullRom(r0, r1, r2, r3, ty).rounded())
    }

    /// The highest interpolated height on the straight segment from `a` to `b` (um), sampled at both ends and every
    /// 500 um between; nil when any sample is not covered.
    public func highest(from a: (x: Double, y: Double), to b: (x: Double, y: Double)) -> Int32? {
        let dx = b.x - a.x
        let dy = b.y - a.y
        let length = (dx * dx + dy * dy).squareRoot()
        let steps = Int((length / Self.segmentSampleMicrometres).rounded(.up))
        var highest = Int32.min
        for step in 0...max(0, steps) {
            let fraction = steps == 0 ? 0 : min(1, Double(step) * Self.segmentSampleMicrometres / length)
            guard let value = height(x: a.x + dx * fraction, y: a.y + dy * fraction) else { return nil }
            highest = max(highest, value)
        }
        guard let end = height(x: b.x, y: b.y) else { return nil }
        return max(highest, end)
    }

    /// Sample step along a hop (um).
    public static let segmentSampleMicrometres = 500.0

    /// Uniform Catmull-Rom through p1 (t = 0) and p2 (t = 1), in this evaluation order.
    public static func catmullRom(_ p0: Double, _ p1: Double, _ p2: Double, _ p3: Double, _ t: Double) -> Double {
        let a = 2 * p1
        let b = p2 - p0
        let c = 2 * p0 - 5 * p1 + 4 * p2 - p3
        let d = 3 * p1 - p0 - 3 * p2 + p3
        return 0.5 * (a + t * (b + t * (c + t * d)))
    }
}
