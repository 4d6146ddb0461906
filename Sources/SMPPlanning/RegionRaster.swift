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
    /// The owner of each cell's centre, also where `owner` says boundary.
    private var centreOwner: [UInt16] = []
    /// The cells that edges pass through (sorted), and each one's edges: `cellEdges[cellStart[k]..<cellStart[k+1]]`
    /// for `edgeCells[k]`, by region priority and ring.
    private var edgeCells: [Int32] = []
    private var cellStart: [Int32] = []
    private var cellEdges: [CellEdge] = []
    /// For each of `edgeCells`, the highest-priority region that holds the cell's centre and has no edge in the
    /// cell (so it holds the whole cell), as a priority rank; `noRegion` if none.
    private var cellFallbackRank: [UInt16] = []
    private static let noRegion = UInt16.max
    /// Row r's edges are `rowEdgeList[rowEdgeStart[r]..<rowEdgeStart[r + 1]]`, for points where the cell test
    /// meets a tie (`exactRegion(at:)`).
    private var rowEdgeStart: [Int32] = []
    private var rowEdgeList: [RowEdge] = []

    struct RowEdge {
        var a: Point
        var b: Point
        var region: Int32
        var ring: Int32
    }
    /// The runs of `cellEdges` that belong to one ring in one cell, by ring (rank << 32 | ring).
    private var ringGroups: [Int64: [(slot: Int32, start: Int32, end: Int32)]] = [:]

    struct CellEdge {
        var a: Point
        var b: Point
        /// Position of the region in `priorityOrder`.
        var rank: Int32
        /// 0 for the outline, 1... for holes.
        var ring: Int32
        /// Whether the cell's centre is inside this edge's ring (the same for every edge of the ring in the cell).
        var centreInside = false
    }

    /// `padding` (mm) widens the raster beyond the regions' bounding box on every side.
    init(regions: [PlanRegion], cell: Double, padding: Double = 0) {
        self.cell = cell
        shapes = regions.map(\.shape)
        priorityOrder = regions.indices.sorted {
            (regions[$0].kind.priority, $0) < (regions[$1].kind.priority, $1)
        }
        var box = regions[0].shape.bounds ?? Rect(minX: 0, minY: 0, maxX: 1, maxY: 1)
        for r in regions { if let b = r.shape.bounds { box = box.union(b) } }
        let pad = (padding / cell).rounded(.up)
        origin = Point(box.minX - (1 + pad) * cell, box.minY - (1 + pad) * cell)
        columns = max(1, Int((box.width / cell).rounded(.up) + 2 * pad) + 3)
        rows = max(1, Int((box.height / cell).rounded(.up) + 2 * pad) + 3)
        owner = [UInt16](repeating: RegionRaster.outside, count: columns * rows)
        indexEdgeCells()
        (rowEdgeStart, rowEdgeList) = RegionRaster.rowEdges(
            shapes: shapes, priorityOrder: priorityOrder, origin: origin, cell: cell, rows: rows)
        fillSpans()
        centreOwner = owner
        markBoundaries()
    }

    /// Lists every cell each edge passes through (column by column, with a margin of a billionth of a cell so that
    /// an edge along a cell border is listed on both sides).
    private mutating func indexEdgeCells() {
        var entries: [(cell: Int32, edge: CellEdge)] = []
        let (cols, rws, o, size) = (columns, rows, origin, cell)
        func column(_ x: Double) -> Int { max(0, min(cols - 1, Int(((x - o.x) / size).rounded(.down)))) }
        func row(_ y: Double) -> Int { max(0, min(rws - 1, Int(((y - o.y) / size).rounded(.down)))) }
        let margin = 1e-9 * size
        for (rank, regionIndex) in priorityOrder.enumerated() {
            let shape = shapes[regionIndex]
            for (ringIndex, ring) in ([shape.outer] + shape.holes).enumerated() {
                let pts = ring.points
                var j = pts.count - 1
                for i in 0..<pts.count {
                    let a = pts[i]
                    let b = pts[j]
                    j = i
                    let edge = CellEdge(a: a, b: b, rank: Int32(rank), ring: Int32(ringIndex))
                    let x0 = min(a.x, b.x)
                    let x1 = max(a.x, b.x)
                    for c in column(x0 - margin)...column(x1 + margin) {
                        let left = max(x0, o.x + Double(c) * size)
                        let right = min(x1, o.x + Double(c + 1) * size)
                        var low = min(a.y, b.y)
                        var high = max(a.y, b.y)
                        if a.x != b.x {
                            let yl = a.y + (left - a.x) / (b.x - a.x) * (b.y - a.y)
                            let yr = a.y + (right - a.x) / (b.x - a.x) * (b.y - a.y)
                            low = max(low, min(yl, yr))
                            high = min(high, max(yl, yr))
                        }
                        for r in row(low - margin)...row(max(low, high) + margin) {
                            entries.append((Int32(r * cols + c), edge))
                        }
                    }
                }
            }
        }
        entries.sort { ($0.cell, $0.edge.rank, $0.edge.ring) < ($1.cell, $1.edge.rank, $1.edge.ring) }
        cellEdges = entries.map(\.edge)
        var start: [Int32] = []
        for (k, entry) in entries.enumerated() where k == 0 || entries[k - 1].cell != entry.cell {
            edgeCells.append(entry.cell)
            start.append(Int32(k))
        }
        start.append(Int32(entries.count))
        cellStart = start
        cellFallbackRank = [UInt16](repeating: RegionRaster.noRegion, count: edgeCells.count)
        for slot in 0..<edgeCells.count {
            var k = Int(cellStart[slot])
            let end = Int(cellStart[slot + 1])
            while k < end {
                let first = k
                let key = Int64(cellEdges[k].rank) << 32 | Int64(cellEdges[k].ring)
                while k < end && Int64(cellEdges[k].rank) << 32 | Int64(cellEdges[k].ring) == key { k += 1 }
                ringGroups[key, default: []].append((Int32(slot), Int32(first), Int32(k)))
            }
        }
    }

    private func slot(ofCell index: Int) -> Int? {
        var lo = 0
        var hi = edgeCells.count
        let key = Int32(index)
        while lo < hi {
            let mid = (lo + hi) / 2
            if edgeCells[mid] < key { lo = mid + 1 } else { hi = mid }
        }
        return lo < edgeCells.count && edgeCells[lo] == key ? lo : nil
    }

    /// Scanline fill at cell centres, highest priority first (a cell keeps its first owner). Each edge adds its
    /// crossing to the rows whose centre line it spans, so the work is the edges plus the crossings, not rows
    /// times edges. The same crossings give, for the cells edges pass through, whether each ring holds the cell's
    /// centre and which region without an edge in the cell holds it.
    private mutating func fillSpans() {
        var ringCrossings = [[Double]](repeating: [], count: rows)
        var regionCrossings = [[Double]](repeating: [], count: rows)
        var touchedRows: [Int] = []
        var ringTouchedRows: [Int] = []
        // Slots already given a fallback are skipped: next slot not yet settled, path-compressed.
        var nextOpen = Array(0...edgeCells.count)
        func open(_ k: Int) -> Int {
            var root = k
            while nextOpen[root] != root { root = nextOpen[root] }
            var x = k
            while nextOpen[x] != root {
                let next = nextOpen[x]
                nextOpen[x] = root
                x = next
            }
            return root
        }
        func firstSlot(atOrAfter cellIndex: Int) -> Int {
            var lo = 0
            var hi = edgeCells.count
            let key = Int32(cellIndex)
            while lo < hi {
                let mid = (lo + hi) / 2
                if edgeCells[mid] < key { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
        for (rank, regionIndex) in priorityOrder.enumerated() {
            let shape = shapes[regionIndex]
            for (ringIndex, ring) in ([shape.outer] + shape.holes).enumerated() {
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
                        if ringCrossings[row].isEmpty { ringTouchedRows.append(row) }
                        ringCrossings[row].append(a.x + (y - a.y) / (b.y - a.y) * (b.x - a.x))
                    }
                }
                // Whether this ring holds the centre of each cell its edges pass through: crossings to the right.
                for row in ringTouchedRows { ringCrossings[row].sort() }
                markCentres(rank: rank, ring: ringIndex, crossings: ringCrossings)
                for row in ringTouchedRows {
                    if regionCrossings[row].isEmpty { touchedRows.append(row) }
                    regionCrossings[row].append(contentsOf: ringCrossings[row])
                    ringCrossings[row] = []
                }
                ringTouchedRows.removeAll(keepingCapacity: true)
            }
            for row in touchedRows {
                var crossings = regionCrossings[row]
                regionCrossings[row] = []
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
                        // Cells with edges whose centre this region holds: the fallback, unless the region
                        // itself has edges there.
                        var s = open(firstSlot(atOrAfter: base + c0))
                        while s < edgeCells.count && Int(edgeCells[s]) <= base + c1 {
                            if !hasEdges(slot: s, rank: rank) {
                                cellFallbackRank[s] = UInt16(rank)
                                nextOpen[s] = s + 1
                            }
                            s = open(s + 1)
                        }
                    }
                    k += 2
                }
            }
            touchedRows.removeAll(keepingCapacity: true)
        }
    }

    private func hasEdges(slot s: Int, rank: Int) -> Bool {
        var lo = Int(cellStart[s])
        var hi = Int(cellStart[s + 1])
        while lo < hi {
            let mid = (lo + hi) / 2
            if cellEdges[mid].rank < rank { lo = mid + 1 } else { hi = mid }
        }
        return lo < Int(cellStart[s + 1]) && cellEdges[lo].rank == rank
    }

    /// Sets `centreInside` on the edges of ring `ring` of region `rank` in every cell: crossings of the ring with
    /// the cell's centre line to the right of the centre, odd (the rule of `Ring.contains`).
    private mutating func markCentres(rank: Int, ring: Int, crossings: [[Double]]) {
        guard let groups = ringGroups[Int64(rank) << 32 | Int64(ring)] else { return }
        for group in groups {
            let cellIndex = Int(edgeCells[Int(group.slot)])
            let row = cellIndex / columns
            let cx = origin.x + (Double(cellIndex % columns) + 0.5) * cell
            let list = crossings[row]
            // Crossings strictly right of the centre: list.count - (number <= cx).
            var lo = 0
            var hi = list.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if list[mid] <= cx { lo = mid + 1 } else { hi = mid }
            }
            let inside = (list.count - lo) % 2 == 1
            for k in Int(group.start)..<Int(group.end) { cellEdges[k].centreInside = inside }
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

    /// The region owning p, exactly: where no edge passes through p's cell, the owner of the cell's centre; where
    /// edges do, each candidate ring's answer at the centre corrected by the edges of this cell that a path from
    /// the centre to p crosses (along the centre line, then straight up or down to p). The crossing rules are
    /// `Ring.contains`'s half-open ones, and a path that comes within rounding of a crossing falls back to the
    /// edges of p's row, so the answer is the same as testing every edge. The work is the edges of one cell,
    /// however many the region has, except at such ties.
    func exactRegion(at p: Point) -> Int? {
        let fx = ((p.x - origin.x) / cell).rounded(.down)
        let fy = ((p.y - origin.y) / cell).rounded(.down)
        guard fx >= 0, fy >= 0, fx < Double(columns), fy < Double(rows) else { return nil }
        let cellIndex = Int(fy) * columns + Int(fx)
        guard let s = slot(ofCell: cellIndex) else {
            let o = centreOwner[cellIndex]
            return o == RegionRaster.outside ? nil : Int(o)
        }
        let cx = origin.x + (fx + 0.5) * cell
        let cy = origin.y + (fy + 0.5) * cell
        let fallback = cellFallbackRank[s]
        // Closer than this to a crossing, rounding could put the path on the wrong side: such points are tested
        // against every edge of their row instead (a billionth of a cell, far above rounding in mm).
        let tie = 1e-9 * cell
        var k = Int(cellStart[s])
        let end = Int(cellStart[s + 1])
        while k < end {
            let rank = cellEdges[k].rank
            if fallback != RegionRaster.noRegion && Int32(fallback) < rank { break }
            // An outline with no edge in the cell holds the whole cell: this region has a hole edge here, and
            // holes lie inside their outline.
            var inside = true
            var inHole = false
            while k < end && cellEdges[k].rank == rank {
                let ring = cellEdges[k].ring
                var parity = cellEdges[k].centreInside
                while k < end && cellEdges[k].rank == rank && cellEdges[k].ring == ring {
                    let a = cellEdges[k].a
                    let b = cellEdges[k].b
                    // Along the centre line from the centre to (p.x, cy): the same crossings as the centre's
                    // answer, so exact.
                    if (a.y > cy) != (b.y > cy) {
                        let xCross = a.x + (cy - a.y) / (b.y - a.y) * (b.x - a.x)
                        if abs(xCross - p.x) <= tie { return exactRegionByRow(at: p) }
                        if (p.x < xCross) != (cx < xCross) { parity.toggle() }
                    }
                    // Up or down from (p.x, cy) to p.
                    if (a.x > p.x) != (b.x > p.x) {
                        let yCross = a.y + (p.x - a.x) / (b.x - a.x) * (b.y - a.y)
                        if abs(yCross - cy) <= tie || abs(yCross - p.y) <= tie { return exactRegionByRow(at: p) }
                        if (yCross > cy) != (yCross > p.y) { parity.toggle() }
                    }
                    // p on (or within rounding of) the edge: Ring.contains's own crossing decides.
                    if (a.y > p.y) != (b.y > p.y) {
                        let xCross = a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x)
                        if abs(xCross - p.x) <= tie { return exactRegionByRow(at: p) }
                    }
                    k += 1
                }
                if ring == 0 { inside = parity } else if parity { inHole = true }
            }
            if inside && !inHole { return priorityOrder[Int(rank)] }
        }
        return fallback == RegionRaster.noRegion ? nil : priorityOrder[Int(fallback)]
    }

    /// The region owning p, by the edges of p's row (for points where the cell test meets a tie): the same crossing rule as
    /// `Ring.contains`, and a point is in a region when it is in the outline and in none of its holes.
    private func exactRegionByRow(at p: Point) -> Int? {
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
