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
        fillSpans(regions: regions)
        markBoundaries()
    }

    /// Scanline fill at cell centres, highest priority first (a cell keeps its first owner).
    private mutating func fillSpans(regions: [PlanRegion]) {
        var crossings: [Double] = []
        for regionIndex in priorityOrder {
            let shape = shapes[regionIndex]
            let rings = [shape.outer] + shape.holes
            for row in 0..<rows {
                let y = origin.y + (Double(row) + 0.5) * cell
                crossings.removeAll(keepingCapacity: true)
                for ring in rings {
                    let pts = ring.points
                    var j = pts.count - 1
                    for i in 0..<pts.count {
                        let a = pts[i]
                        let b = pts[j]
                        if (a.y > y) != (b.y > y) { crossings.append(a.x + (y - a.y) / (b.y - a.y) * (b.x - a.x)) }
                        j = i
                    }
                }
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
        }
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

    func exactRegion(at p: Point) -> Int? {
        for index in priorityOrder where shapes[index].contains(p) { return index }
        return nil
    }

    /// Centre of cell (column, row).
    func centre(_ column: Int, _ row: Int) -> Point {
        Point(origin.x + (Double(column) + 0.5) * cell, origin.y + (Double(row) + 0.5) * cell)
    }
}
