/// The band just outside a region where its growth may place ghost dots: everything within `margin` of one of
/// the region's edges (outline and holes). Ghosts continue the region's pattern past its edge while a layer is
/// grown and thinned, and are dropped before it is committed (`StripSampler`): without them growth stops against
/// the edge in a row of dots lined up along it, and elimination, which removes the most crowded dots, finds edge
/// dots (half their neighbours missing) the least crowded and thins the interior instead.
///
/// The band is kept on a coarse raster (a quarter of the margin): cells near samples along the edges, so it
/// reaches at least `margin` and at most about 1.7 times that past the edge (`PatternBuilder` pads the rasters
/// for that). Which side of the edge a
/// point is on is the caller's test (the ownership raster); the band covers both.
struct GhostZone: Sendable {
    /// The lowest multiplier a ghost's density gets (at the band's outer side).
    static let sparsestWeight = 0.35
    let origin: Point
    let inverseCell: Double
    let columns: Int
    let rows: Int
    /// Per cell: the Chebyshev distance in cells to the nearest edge sample's cell (more than `widening`: outside).
    private let distance: [UInt8]

    init(shape: PolygonWithHoles, margin: Double) {
        let box = shape.bounds ?? Rect(minX: 0, minY: 0, maxX: 0, maxY: 0)
        let cell = max(margin, 1e-3) / 4
        // Edge samples one cell apart, each widening by 5 cells: a point within the margin (4 cells) of the edge
        // is within 4.5 cells of a sample, so within 5 cells of its cell.
        let widening = GhostZone.widening
        origin = Point(box.minX - margin - 2 * cell, box.minY - margin - 2 * cell)
        inverseCell = 1 / cell
        let (columns, rows) = (
            Int(((box.width + 2 * margin) / cell).rounded(.up)) + 5,
            Int(((box.height + 2 * margin) / cell).rounded(.up)) + 5
        )
        self.columns = columns
        self.rows = rows
        var distance = [UInt8](repeating: UInt8.max, count: columns * rows)
        let origin = origin
        distance.withUnsafeMutableBufferPointer { distance in
            for ring in [shape.outer] + shape.holes {
                let points = ring.points
                for i in points.indices {
                    let a = points[i]
                    let b = points[(i + 1) % points.count]
                    let steps = max(1, Int((a.distance(to: b) / cell).rounded(.up)))
                    for s in 0...steps {
                        let p = a + (b - a) * (Double(s) / Double(steps))
                        let column = Int((p.x - origin.x) / cell)
                        let row = Int((p.y - origin.y) / cell)
                        for y in max(0, row - widening)...min(rows - 1, row + widening) {
                            let base = y * columns
                            let dy = abs(y - row)
                            for x in max(0, column - widening)...min(columns - 1, column + widening) {
                                let d = UInt8(max(dy, abs(x - column)))
                                if d < distance[base + x] { distance[base + x] = d }
                            }
                        }
                    }
                }
            }
        }
        self.distance = distance
    }

    private static let widening = 5

    /// The density multiplier of a ghost at p (the caller has already found p outside the region): 1 near the
    /// edge, thinning towards the band's outer side, 0 beyond it.
    @inline(__always)
    func ghostWeight(at p: Point) -> Double {
        let fx = (p.x - origin.x) * inverseCell
        let fy = (p.y - origin.y) * inverseCell
        guard fx >= 0, fy >= 0 else { return 0 }
        let column = Int(fx)
        let row = Int(fy)
        guard column < columns, row < rows else { return 0 }
        // Full density out to three cells (0.75 of the margin) past the edge, then thinning: a band cut off
        // square at a fixed depth is a wall of its own, and growth lines dots up in rows along a wall.
        switch distance[row * columns + column] {
        case 0...3: return 1
        case 4: return 0.6
        case 5: return GhostZone.sparsestWeight
        default: return 0
        }
    }
}
