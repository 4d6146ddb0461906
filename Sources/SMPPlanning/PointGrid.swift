/// A uniform grid of point indices for neighbourhood queries. In single mode a cell holds at most one point
/// (true when every pair is at least cell * sqrt 2 apart, as in a Poisson-disk pattern); in multi mode a cell
/// holds a list.
struct PointGrid {
    let origin: Point
    let cell: Double
    let inverseCell: Double
    let columns: Int
    let rows: Int
    var single: [Int32]
    var multi: [[Int32]]
    let isMulti: Bool

    init(origin: Point, cell: Double, columns: Int, rows: Int, multi: Bool = false) {
        self.origin = origin
        self.cell = cell
        inverseCell = 1 / cell
        self.columns = max(1, columns)
        self.rows = max(1, rows)
        isMulti = multi
        single = multi ? [] : [Int32](repeating: -1, count: self.columns * self.rows)
        self.multi = multi ? [[Int32]](repeating: [], count: self.columns * self.rows) : []
    }

    @inline(__always)
    func cellOf(_ p: Point) -> (Int, Int) {
        (Int(((p.x - origin.x) * inverseCell).rounded(.down)), Int(((p.y - origin.y) * inverseCell).rounded(.down)))
    }

    @inline(__always)
    func isInside(_ cx: Int, _ cy: Int) -> Bool { cx >= 0 && cy >= 0 && cx < columns && cy < rows }

    mutating func insert(_ index: Int32, at p: Point) {
        let (cx, cy) = cellOf(p)
        let x = min(max(cx, 0), columns - 1)
        let y = min(max(cy, 0), rows - 1)
        if isMulti { multi[y * columns + x].append(index) } else { single[y * columns + x] = index }
    }

    mutating func remove(_ index: Int32, at p: Point) {
        let (cx, cy) = cellOf(p)
        let x = min(max(cx, 0), columns - 1)
        let y = min(max(cy, 0), rows - 1)
        if isMulti {
            multi[y * columns + x].removeAll { $0 == index }
        } else if single[y * columns + x] == index {
            single[y * columns + x] = -1
        }
    }

    /// True when p's cell holds no point (single mode).
    func isFree(_ p: Point) -> Bool {
        let (cx, cy) = cellOf(p)
        let x = min(max(cx, 0), columns - 1)
        let y = min(max(cy, 0), rows - 1)
        return isMulti || single[y * columns + x] < 0
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
    @inline(__always)
    func firstWithin(_ p: Point, radius: Double, xs: [Double], ys: [Double]) -> Int? {
        guard let (x0, x1, y0, y1) = cellRange(p, radius: radius) else { return nil }
        let r2 = radius * radius
        if !isMulti {
            // The sampler's hot path: unchecked reads, since the cell range is clamped and every stored index
            // names a point of xs/ys (the grid is only ever filled from them).
            return single.withUnsafeBufferPointer { cells in
                xs.withUnsafeBufferPointer { xs in
                    ys.withUnsafeBufferPointer { ys in
                        for y in y0...y1 {
                            let base = y * columns
                            for x in x0...x1 {
                                let j = Int(cells[base + x])
                                if j < 0 { continue }
                                let dx = xs[j] - p.x
                                let dy = ys[j] - p.y
                                if dx * dx + dy * dy < r2 { return j }
                            }
                        }
                        return nil
                    }
                }
            }
        }
        for y in y0...y1 {
            let base = y * columns
            for x in x0...x1 {
                for j in multi[base + x] {
                    let dx = xs[Int(j)] - p.x
                    let dy = ys[Int(j)] - p.y
                    if dx * dx + dy * dy < r2 { return Int(j) }
                }
            }
        }
        return nil
    }

    /// Calls `body` with every point index closer than `radius` to p and its squared distance.
    @inline(__always)
    func forEachWithin(_ p: Point, radius: Double, xs: [Double], ys: [Double], _ body: (Int, Double) -> Void) {
        guard let (x0, x1, y0, y1) = cellRange(p, radius: radius) else { return }
        let r2 = radius * radius
        if !isMulti {
            single.withUnsafeBufferPointer { cells in
                xs.withUnsafeBufferPointer { xs in
                    ys.withUnsafeBufferPointer { ys in
                        for y in y0...y1 {
                            let base = y * columns
                            for x in x0...x1 {
                                let j = Int(cells[base + x])
                                if j < 0 { continue }
                                let dx = xs[j] - p.x
                                let dy = ys[j] - p.y
                                let d2 = dx * dx + dy * dy
                                if d2 < r2 { body(j, d2) }
                            }
                        }
                    }
                }
            }
            return
        }
        for y in y0...y1 {
            let base = y * columns
            for x in x0...x1 {
                for j in multi[base + x] {
                    let dx = xs[Int(j)] - p.x
                    let dy = ys[Int(j)] - p.y
                    let d2 = dx * dx + dy * dy
                    if d2 < r2 { body(Int(j), d2) }
                }
            }
        }
    }
}
