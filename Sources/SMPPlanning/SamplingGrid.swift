/// The generator's single-occupancy grid: each cell holds at most one dot, and holds its coordinates, so that a
/// neighbourhood test reads a few contiguous cells instead of chasing dot indices into separate arrays (that
/// indirection was most of the cost of a candidate test).
///
/// Cells are at most the layer's smallest Poisson-disk radius across their diagonal, so two dots never share one.
/// An empty cell holds coordinates far off the board, so the distance test needs no emptiness branch.
///
/// A class over manually allocated storage because strips of the pattern are sampled on several threads at
/// once: each strip writes only the cells of its own columns and reads only cells within its reach, which never
/// includes columns another strip of the same phase writes (see `PatternBuilder.stripColumns`). That partition,
/// not a lock, is what makes the sharing safe, hence `@unchecked Sendable`.
final class SamplingGrid: @unchecked Sendable {
    /// Coordinate of an empty cell: its squared distance to any board point is ~1e60, never within a radius.
    static let vacant = 1e30
    /// Slot of an empty cell.
    static let emptySlot: Int32 = -1
    /// Slot of a committed dot (one no strip of the current pass may remove).
    static let committedSlot: Int32 = -2

    let origin: Point
    /// The smallest Poisson-disk radius of the layer; cells are this across their diagonal.
    let finestRadius: Double
    let cell: Double
    let inverseCell: Double
    let columns: Int
    let rows: Int
    /// x and y of each cell's dot side by side, so that a row of cells is one or two cache lines.
    private let xy: UnsafeMutablePointer<Double>
    /// Whose the dot in a cell is: `committedSlot`, `emptySlot` (after a removal), or a strip's own number for it
    /// (each strip of a pass numbers its dots from its own `StripSampler.firstSlot`, so ranges never overlap).
    /// Meaningful only for occupied cells.
    private let slots: UnsafeMutablePointer<Int32>

    init(origin: Point, finestRadius: Double, columns: Int, rows: Int) {
        self.origin = origin
        self.finestRadius = finestRadius
        cell = finestRadius / 2.0.squareRoot()
        inverseCell = 1 / cell
        self.columns = max(1, columns)
        self.rows = max(1, rows)
        precondition(self.columns < 1 << 24 && self.rows < 1 << 24, "SamplingGrid: \(columns) x \(rows) cells")
        let count = self.columns * self.rows
        xy = .allocate(capacity: 2 * count)
        slots = .allocate(capacity: count)
        xy.initialize(repeating: SamplingGrid.vacant, count: 2 * count)
        // Slots are left unwritten until a dot arrives: they are only read for cells a neighbour walk found
        // occupied (an empty cell's coordinates are far off the board), which saves writing 4 bytes a cell.
    }

    deinit {
        xy.deallocate()
        slots.deallocate()
    }

    /// The column of x (see `cellNumber`).
    @inline(__always)
    func column(_ x: Double) -> Int { SamplingGrid.cellNumber((x - origin.x) * inverseCell) }
    /// The row of y (see `cellNumber`).
    @inline(__always)
    func row(_ y: Double) -> Int { SamplingGrid.cellNumber((y - origin.y) * inverseCell) }

    /// floor(v) for a coordinate in cells, without Swift's checked conversion (its range checks were a tenth of
    /// the generator's instructions) or libm's floor: adding 1.5 x 2^52 leaves v - 0.5 rounded to an integer in
    /// the low bits. A v exactly on a cell edge may go to either neighbour (ties round to even); that is harmless
    /// because every insert and query uses this same rule, it is monotonic (so a walk from column(x - r) to
    /// column(x + r) covers every dot within r), and a dot always lands in a cell whose closed square holds it.
    /// Valid for |v| < 2^31; grids have far fewer cells (`init` checks).
    @inline(__always)
    static func cellNumber(_ v: Double) -> Int {
        Int(Int32(truncatingIfNeeded: Int64(bitPattern: ((v - 0.5) + 6_755_399_441_055_744.0).bitPattern)))
    }

    /// The cell index of p, clamped to the grid.
    @inline(__always)
    func cellIndex(_ p: Point) -> Int {
        let x = min(max(column(p.x), 0), columns - 1)
        let y = min(max(row(p.y), 0), rows - 1)
        return y * columns + x
    }

    /// True when p's cell holds no dot (read from the coordinates, which the neighbour tests read anyway).
    @inline(__always)
    func isFree(_ p: Point) -> Bool { xy[2 * cellIndex(p)] == SamplingGrid.vacant }

    /// The slot of an occupied cell (see `slots`).
    @inline(__always)
    func slot(at cell: Int) -> Int32 { slots[cell] }

    @inline(__always)
    func point(at cell: Int) -> Point { Point(xy[2 * cell], xy[2 * cell + 1]) }

    @inline(__always)
    func insert(_ slot: Int32, at p: Point) {
        let c = cellIndex(p)
        xy[2 * c] = p.x
        xy[2 * c + 1] = p.y
        slots[c] = slot
    }

    /// Empties p's cell (the dot at p must be the one stored there).
    @inline(__always)
    func remove(at p: Point) {
        let c = cellIndex(p)
        xy[2 * c] = SamplingGrid.vacant
        xy[2 * c + 1] = SamplingGrid.vacant
        slots[c] = SamplingGrid.emptySlot
    }

    /// True when the cell holds no dot.
    @inline(__always)
    func isEmpty(cell: Int) -> Bool { xy[2 * cell] == SamplingGrid.vacant }

    /// The cells a disc of `radius` around p touches, clamped to the grid; nil when it misses the grid.
    @inline(__always)
    func cellRange(_ p: Point, radius: Double) -> (x0: Int, x1: Int, y0: Int, y1: Int)? {
        let x0 = max(0, column(p.x - radius))
        let x1 = min(columns - 1, column(p.x + radius))
        let y0 = max(0, row(p.y - radius))
        let y1 = min(rows - 1, row(p.y + radius))
        return x0 > x1 || y0 > y1 ? nil : (x0, x1, y0, y1)
    }

    /// True when some dot lies closer than `radius` to p.
    @inline(__always)
    func anyWithin(_ p: Point, radius: Double) -> Bool { firstWithin(p, radius: radius) != nil }

    /// The cell of some dot closer than `radius` to p, or nil. Rows are scanned from p's own row outwards: the
    /// dot that rejects a candidate is usually a near one, and most tests are rejections.
    @inline(__always)
    func firstWithin(_ p: Point, radius: Double) -> Int? {
        guard let (x0, x1, y0, y1) = cellRange(p, radius: radius) else { return nil }
        let r2 = radius * radius
        let centre = min(max(row(p.y), y0), y1)
        @inline(__always)
        func hit(inRow y: Int) -> Int? {
            let base = y * columns
            for x in x0...x1 {
                let dx = xy[2 * (base + x)] - p.x
                let dy = xy[2 * (base + x) + 1] - p.y
                if dx * dx + dy * dy < r2 { return base + x }
            }
            return nil
        }
        if let cell = hit(inRow: centre) { return cell }
        var offset = 1
        while centre - offset >= y0 || centre + offset <= y1 {
            if centre - offset >= y0, let cell = hit(inRow: centre - offset) { return cell }
            if centre + offset <= y1, let cell = hit(inRow: centre + offset) { return cell }
            offset += 1
        }
        return nil
    }

    /// Calls `body` with the cell index and squared distance of every dot closer than `radius` to p.
    @inline(__always)
    func forEachWithin(_ p: Point, radius: Double, _ body: (_ cell: Int, _ distance2: Double) -> Void) {
        guard let (x0, x1, y0, y1) = cellRange(p, radius: radius) else { return }
        let r2 = radius * radius
        for y in y0...y1 {
            let base = y * columns
            for x in x0...x1 {
                let dx = xy[2 * (base + x)] - p.x
                let dy = xy[2 * (base + x) + 1] - p.y
                let d2 = dx * dx + dy * dy
                if d2 < r2 { body(base + x, d2) }
            }
        }
    }
}
