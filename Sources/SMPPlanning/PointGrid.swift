/// A uniform grid of point-index lists for neighbourhood queries over points stored elsewhere (existing hairs,
/// explicit dots, pattern metrics). The sampler has its own single-occupancy grid, `SamplingGrid`.
struct PointGrid {
    let origin: Point
    let cell: Double
    let inverseCell: Double
    let columns: Int
    let rows: Int
    private var cells: [[Int32]]

    init(origin: Point, cell: Double, columns: Int, rows: Int) {
        self.origin = origin
        self.cell = cell
        inverseCell = 1 / cell
        self.columns = max(1, columns)
        self.rows = max(1, rows)
        cells = [[Int32]](repeating: [], count: self.columns * self.rows)
    }

    @inline(__always)
    func cellOf(_ p: Point) -> (Int, Int) {
        (Int(((p.x - origin.x) * inverseCell).rounded(.down)), Int(((p.y - origin.y) * inverseCell).rounded(.down)))
    }

    /// Adds a point index (points outside the grid go to the nearest edge cell).
    mutating func insert(_ index: Int32, at p: Point) {
        let (cx, cy) = cellOf(p)
        let x = min(max(cx, 0), columns - 1)
        let y = min(max(cy, 0), rows - 1)
        cells[y * columns + x].append(index)
    }

    /// The cells a disc of `radius` around p touches, clamped to the grid; nil when it misses the grid.
    @inline(__always)
    func cellRange(_ p: Point, radius: Double) -> (x0: Int, x1: Int, y0: Int, y1: Int)? {
        let x0 = max(0, Int(((p.x - radius - origin.x) * inverseCell).rounded(.down)))
        let x1 = min(columns - 1, Int(((p.x + radius - origin.x) * inverseCell).rounded(.down)))
        let y0 = max(0, Int(((p.y - radius - origin.y) * inverseCell).rounded(.down)))
        let y1 = min(rows - 1, Int(((p.y + radius - origin.y) * inverseCell).rounded(.down)))
        return x0 > x1 || y0 > y1 ? nil : (x0, x1, y0, y1)
    }

    /// Some point closer than `radius` to p (the lowest cell first), or nil.
    func firstWithin(_ p: Point, radius: Double, xs: [Double], ys: [Double]) -> Int? {
        guard let (x0, x1, y0, y1) = cellRange(p, radius: radius) else { return nil }
        let r2 = radius * radius
        for y in y0...y1 {
            let base = y * columns
            for x in x0...x1 {
                for j in cells[base + x] {
                    let dx = xs[Int(j)] - p.x
                    let dy = ys[Int(j)] - p.y
                    if dx * dx + dy * dy < r2 { return Int(j) }
                }
            }
        }
        return nil
    }

    /// Calls `body` with every point index closer than `radius` to p and its squared distance.
    func forEachWithin(_ p: Point, radius: Double, xs: [Double], ys: [Double], _ body: (Int, Double) -> Void) {
        guard let (x0, x1, y0, y1) = cellRange(p, radius: radius) else { return }
        let r2 = radius * radius
        for y in y0...y1 {
            let base = y * columns
            for x in x0...x1 {
                for j in cells[base + x] {
                    let dx = xs[Int(j)] - p.x
                    let dy = ys[Int(j)] - p.y
                    let d2 = dx * dx + dy * dy
                    if d2 < r2 { body(Int(j), d2) }
                }
            }
        }
    }
}
