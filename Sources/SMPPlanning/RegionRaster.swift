/// Which region owns each small cell of the board: a fast point-in-region test for the sampler, with exact
/// polygon tests only in cells that a region boundary passes through.
///
/// Overlaps resolve by priority (scar over hairline over density, then plan order), so every point belongs to at
/// most one region.
struct RegionRaster {
    static let outside: UInt16 = 0xFFFF
    static let boundary: UInt16 = 0xFFFE

    let origin: Point
    let cell: Double
    let columns: Int
    let rows: Int
    private(set) var owner: [UInt16]
    /// Region indices in priority order (the order exact tests use).
    let priorityOrder: [Int]
    let shapes: [PolygonWithHoles]
    /// Row r's edges are `rowEdgeList[rowEdgeStart[r]..<rowEdgeStart[r + 1]]` (see `exactRegion(at:)`).
    private let rowEdgeStart: [Int32]
    private let rowEdgeList: [RowEdge]

    struct RowEdge {
        var a: Point
        var b: Point
        var region: Int32
        var ring: Int32
    }

    init(regions: [PlanRegion], cell: Double) {
        self.cell = cell
        shapes = regions.map(\.shape)
        priorityOrder = regions.indices.sorted {
            (regions[$0].kind.priority, $0) < (regions[$1].kind.priority, $1)
        }
        var box = regions[0].shape.bounds ?? Rect(minX: 0, minY: 0, maxX: 1, maxY: 1)
        for r in regions { if let b = r.shape.bounds { box = box.union(b) } }
        origin = Point(box.minX - cell, box.minY - cell)
        columns = max(1, Int((box.width / cell).rounded(.up)) + 3)
        rows = max(1, Int((box.height / cell).rounded(.up)) + 3)
        owner = [UInt16](repeating: RegionRaster.outside, count: columns * rows)
        (rowEdgeStart, rowEdgeList) = RegionRaster.rowEdges(
            shapes: shapes, priorityOrder: priorityOrder, origin: origin, cell: cell, rows: rows)
        fillSpans(regions: regions)
        markBoundaries()
    }

    /// Scanline fill at cell centres, highest priority first (a cell keeps its first owner). Each edge adds its
    /// crossing to the rows whose centre line it spans, so the work is the edges plus the crossings, not rows
    /// times edges.
    private mutating func fillSpans(regions: [PlanRegion]) {
        var rowCrossings = [[Double]](repeating: [], count: rows)
        var touchedRows: [Int] = []
        for regionIndex in priorityOrder {
            let shape = shapes[regionIndex]
            for ring in [shape.outer] + shape.holes {
                let pts = ring.points
                var j = pts.count - 1
                for i in 0..<pts.count {
                    let a = pts[i]
                    let b = pts[j]
                    j = i
                    // Rows whose centre y satisfies (a.y > y) != (b.y > y), i.e. min <= y < max.
                    let low = min(a.y, b.y)
                    let high = max(a.y, b.y)
                    let first = max(0, Int(((low - origin.y) / cell - 0.5).rounded(.up)) - 1)
                    let last = min(rows - 1, Int(((high - origin.y) / cell - 0.5).rounded(.down)) + 1)
                    guard first <= last else { continue }
                    for row in first...last {
                        let y = origin.y + (Double(row) + 0.5) * cell
                        guard (a.y > y) != (b.y > y) else { continue }
                        if rowCrossings[row].isEmpty { touchedRows.append(row) }
                        rowCrossings[row].append(a.x + (y - a.y) / (b.y - a.y) * (b.x - a.x))
                    }
                }
            }
            for row in touchedRows {
                var crossings = rowCrossings[row]
                rowCrossings[row] = []
                guard crossings.count >= 2 else { continue }
                crossings.sort()
                var k = 0
                while k + 1 < crossings.count {
                    // Cells whose centre x lies in [x0, x1).
                    let c0 = max(0, Int(((crossings[k] - origin.x) / cell - 0.5).rounded(.up)))
                    let c1 = min(columns - 1, Int(((crossings[k + 1] - origin.x) / cell - 0.5).rounded(.up)) - 1)
                    if c0 <= c1 {
                        let base = row * columns
                        for c in c0...c1 where owner[base + c] == RegionRaster.outside {
                            owner[base + c] = UInt16(regionIndex)
                        }
                    }
                    k += 2
                }
            }
            touchedRows.removeAll(keepingCapacity: true)
        }
    }

    /// Each row's edges (those whose y range meets the row), by region in priority order and ring: an exact
    /// point test looks only at the edges of the point's row.
    private static func rowEdges(
        shapes: [PolygonWithHoles], priorityOrder: [Int], origin: Point, cell: Double, rows: Int
    ) -> (start: [Int32], edges: [RowEdge]) {
        var count = [Int32](repeating: 0, count: rows + 1)
        func rowRange(_ a: Point, _ b: Point) -> ClosedRange<Int>? {
            let first = max(0, Int(((min(a.y, b.y) - origin.y) / cell).rounded(.down)))
            let last = min(rows - 1, Int(((max(a.y, b.y) - origin.y) / cell).rounded(.down)))
            return first <= last ? first...last : nil
        }
        func forEachEdge(_ body: (RowEdge, ClosedRange<Int>) -> Void) {
            for regionIndex in priorityOrder {
                let shape = shapes[regionIndex]
                for (ringIndex, ring) in ([shape.outer] + shape.holes).enumerated() {
                    let pts = ring.points
                    var j = pts.count - 1
                    for i in 0..<pts.count {
                        if let range = rowRange(pts[i], pts[j]) {
                            body(
                                RowEdge(a: pts[i], b: pts[j], region: Int32(regionIndex), ring: Int32(ringIndex)),
                                range)
                        }
                        j = i
                    }
                }
            }
        }
        forEachEdge { _, range in for row in range { count[row + 1] += 1 } }
        for row in 0..<rows { count[row + 1] += count[row] }
        var fill = count
        var edges = [RowEdge](
            repeating: RowEdge(a: Point(0, 0), b: Point(0, 0), region: 0, ring: 0), count: Int(count[rows]))
        forEachEdge { edge, range in
            for row in range {
                edges[Int(fill[row])] = edge
                fill[row] += 1
            }
        }
        return (count, edges)
    }

    /// Cells an edge passes through, and their neighbours, get exact tests.
    private mutating func markBoundaries() {
        for shape in shapes {
            for ring in [shape.outer] + shape.holes {
                let pts = ring.points
                for i in 0..<pts.count {
                    let a = pts[i]
                    let b = pts[(i + 1) % pts.count]
                    let steps = max(1, Int((a.distance(to: b) / (cell * 0.5)).rounded(.up)))
                    for s in 0...steps {
                        let p = a + (b - a) * (Double(s) / Double(steps))
                        let cx = Int((p.x - origin.x) / cell)
                        let cy = Int((p.y - origin.y) / cell)
                        for y in max(0, cy - 1)...min(rows - 1, cy + 1) {
                            for x in max(0, cx - 1)...min(columns - 1, cx + 1) {
                                owner[y * columns + x] = RegionRaster.boundary
                            }
                        }
                    }
                }
            }
        }
    }

    /// The region owning p, or nil.
    @inline(__always)
    func region(at p: Point) -> Int? {
        let fx = (p.x - origin.x) / cell
        let fy = (p.y - origin.y) / cell
        guard fx >= 0, fy >= 0 else { return nil }
        let cx = Int(fx)
        let cy = Int(fy)
        guard cx < columns, cy < rows else { return nil }
        let o = owner[cy * columns + cx]
        if o == RegionRaster.outside { return nil }
        if o != RegionRaster.boundary { return Int(o) }
        return exactRegion(at: p)
    }

    /// The region owning p, by exact polygon tests on the edges of p's row: the same crossing rule as
    /// `Ring.contains`, and a point is in a region when it is in the outline and in none of its holes.
    func exactRegion(at p: Point) -> Int? {
        let fy = ((p.y - origin.y) / cell).rounded(.down)
        guard fy >= 0, fy < Double(rows) else { return nil }
        let row = Int(fy)
        var k = Int(rowEdgeStart[row])
        let end = Int(rowEdgeStart[row + 1])
        while k < end {
            let region = rowEdgeList[k].region
            var inside = false
            var inHole = false
            // One region's rings, outline first.
            while k < end && rowEdgeList[k].region == region {
                let ring = rowEdgeList[k].ring
                var parity = false
                while k < end && rowEdgeList[k].region == region && rowEdgeList[k].ring == ring {
                    let a = rowEdgeList[k].a
                    let b = rowEdgeList[k].b
                    if (a.y > p.y) != (b.y > p.y) {
                        let xCross = a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x)
                        if p.x < xCross { parity.toggle() }
                    }
                    k += 1
                }
                if ring == 0 { inside = parity } else if parity { inHole = true }
            }
            if inside && !inHole { return Int(region) }
        }
        return nil
    }

    /// Centre of cell (column, row).
    func centre(_ column: Int, _ row: Int) -> Point {
        Point(origin.x + (Double(column) + 0.5) * cell, origin.y + (Double(row) + 0.5) * cell)
    }
}
