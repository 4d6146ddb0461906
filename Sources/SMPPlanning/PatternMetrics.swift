/// Measures of how natural a dot pattern is.
public enum PatternMetrics {
    /// Smallest distance between any two points (grid-accelerated); infinity for fewer than two points.
    public static func minimumDistance(_ points: [Point]) -> Double {
        guard points.count > 1, let box = Rect(bounding: points) else { return .infinity }
        // Cell size from the mean spacing so that each cell holds a handful of points.
        let area = max(box.width * box.height, 1e-9)
        let cell = max((area / Double(points.count)).squareRoot(), 1e-6)
        var grid = PointGrid(
            origin: Point(box.minX, box.minY), cell: cell, columns: Int(box.width / cell) + 1,
            rows: Int(box.height / cell) + 1)
        let xs = points.map(\.x)
        let ys = points.map(\.y)
        var best = Double.infinity
        for (i, p) in points.enumerated() {
            let radius = min(best, cell * 3)
            grid.forEachWithin(p, radius: radius, xs: xs, ys: ys) { _, d2 in best = min(best, d2.squareRoot()) }
            grid.insert(Int32(i), at: p)
        }
        if best == .infinity {
            // No pair within three cells: fall back to the exact quadratic search (sparse sets only).
            for i in 0..<points.count {
                for j in (i + 1)..<points.count { best = min(best, points[i].distance(to: points[j])) }
            }
        }
        return best
    }

    /// Relative radius rho = (d_min / 2) / r_max, r_max = sqrt(A / (2 sqrt 3 N)) (Lagae & Dutre 2008): 1 for a
    /// hexagonal lattice; 0.65-0.85 is the range of good blue noise.
    public static func relativeRadius(_ points: [Point], area: Double) -> Double {
        guard points.count > 1, area > 0 else { return 0 }
        let rMax = (area / (2 * 3.0.squareRoot() * Double(points.count))).squareRoot()
        return minimumDistance(points) / 2 / rMax
    }
}
