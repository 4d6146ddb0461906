/// An open polyline with arc-length parameterisation and a bucket index for nearest-point queries.
public struct Polyline: Sendable {
    public let points: [Point]
    /// Arc length at each vertex.
    public let arcLength: [Double]
    public var length: Double { arcLength.last ?? 0 }

    private let origin: Point
    private let cellSize: Double
    private let columns: Int
    private let rows: Int
    /// Segments per bucket, flattened: bucket b's segments are `bucketSegments[bucketStart[b]..<bucketStart[b + 1]]`
    /// (an array of arrays cost two reference-count operations per bucket visited, most of a query).
    private let bucketStart: [Int32]
    private let bucketSegments: [Int32]
    /// Whether each row of buckets holds any segment (see `mayFindLine(atY:)`).
    private let bucketRowHasSegments: [Bool]
    /// Each segment's first bucket column and row: a query projects a segment only in the first bucket of its
    /// window that holds it (a long segment lies in several buckets of a window, and was projected in each).
    private let segmentFirstColumn: [Int32]
    private let segmentFirstRow: [Int32]

    /// The nearest point on the line to a query.
    public struct Nearest: Sendable {
        public var distance: Double
        /// Arc length of the nearest point along the line.
        public var arc: Double
        /// Positive on the left of the line's direction, negative on the right (y-up sense of the cross product).
        public var side: Double
    }

    /// `reach` is the largest distance at which queries must find the line; farther queries may return nil.
    public init(_ points: [Point], reach: Double) {
        self.points = points
        var arc: [Double] = [0]
        for i in 1..<max(points.count, 1) { arc.append(arc[i - 1] + points[i - 1].distance(to: points[i])) }
        self.arcLength = arc
        let box = Rect(bounding: points) ?? Rect(minX: 0, minY: 0, maxX: 0, maxY: 0)
        cellSize = max(reach, 0.5)
        origin = Point(box.minX - reach, box.minY - reach)
        columns = max(1, min(2048, Int(((box.width + 2 * reach) / cellSize).rounded(.up)) + 1))
        rows = max(1, min(2048, Int(((box.height + 2 * reach) / cellSize).rounded(.up)) + 1))
        let cell = cellSize
        let (cols, rws, o) = (columns, rows, origin)
        // Two passes over the segments' bucket ranges: count, then fill.
        func range(_ s: Int) -> (x0: Int, x1: Int, y0: Int, y1: Int) {
            let a = points[s]
            let b = points[s + 1]
            let x0 = max(0, min(cols - 1, Int((min(a.x, b.x) - o.x) / cell)))
            let x1 = max(0, min(cols - 1, Int((max(a.x, b.x) - o.x) / cell)))
            let y0 = max(0, min(rws - 1, Int((min(a.y, b.y) - o.y) / cell)))
            let y1 = max(0, min(rws - 1, Int((max(a.y, b.y) - o.y) / cell)))
            return (x0, x1, y0, y1)
        }
        func forEachBucket(_ body: (_ bucket: Int, _ segment: Int) -> Void) {
            for s in 0..<(points.count - 1) {
                let (x0, x1, y0, y1) = range(s)
                for y in y0...y1 { for x in x0...x1 { body(y * cols + x, s) } }
            }
        }
        let ranges = (0..<max(points.count - 1, 0)).map(range)
        segmentFirstColumn = ranges.map { Int32($0.x0) }
        segmentFirstRow = ranges.map { Int32($0.y0) }
        var start = [Int32](repeating: 0, count: columns * rows + 1)
        forEachBucket { bucket, _ in start[bucket + 1] += 1 }
        for b in 0..<(columns * rows) { start[b + 1] += start[b] }
        var fill = start
        var segments = [Int32](repeating: 0, count: Int(start[columns * rows]))
        forEachBucket { bucket, segment in
            segments[Int(fill[bucket])] = Int32(segment)
            fill[bucket] += 1
        }
        bucketStart = start
        bucketSegments = segments
        bucketRowHasSegments = (0..<rows).map { row in start[row * cols] < start[(row + 1) * cols] }
    }

    /// False when `nearest(to:)` is nil for every point at height y: the bucket rows it would search are empty.
    /// Lets a raster skip whole rows far from the line.
    public func mayFindLine(atY y: Double) -> Bool {
        let cy = Int(((y - origin.y) / cellSize).rounded(.down))
        let y0 = max(0, cy - 1)
        let y1 = min(rows - 1, cy + 1)
        guard y0 <= y1 else { return false }
        return (y0...y1).contains { bucketRowHasSegments[$0] }
    }

    /// Nearest point on the line within about `reach` (segments in the 3x3 buckets around p); nil if none.
    public func nearest(to p: Point) -> Nearest? {
        let cx = Int(((p.x - origin.x) / cellSize).rounded(.down))
        let cy = Int(((p.y - origin.y) / cellSize).rounded(.down))
        var best = Double.infinity
        var bestSegment = -1
        var bestT = 0.0
        let y0 = max(0, cy - 1)
        let y1 = min(rows - 1, cy + 1)
        let x0 = max(0, cx - 1)
        let x1 = min(columns - 1, cx + 1)
        guard y0 <= y1, x0 <= x1 else { return nil }
        for y in y0...y1 {
            for x in x0...x1 {
                for k in Int(bucketStart[y * columns + x])..<Int(bucketStart[y * columns + x + 1]) {
                    let i = Int(bucketSegments[k])
                    // Only in the first bucket of this window that holds the segment.
                    guard x == max(x0, Int(segmentFirstColumn[i])), y == max(y0, Int(segmentFirstRow[i])) else {
                        continue
                    }
                    let (d2, t) = Polyline.projection(p, points[i], points[i + 1])
                    if d2 < best || (d2 == best && i < bestSegment) {
                        best = d2
                        bestSegment = i
                        bestT = t
                    }
                }
            }
        }
        guard bestSegment >= 0 else { return nil }
        let a = points[bestSegment]
        let b = points[bestSegment + 1]
        let cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x)
        let arc = arcLength[bestSegment] + bestT * a.distance(to: b)
        return Nearest(distance: best.squareRoot(), arc: arc, side: cross >= 0 ? 1 : -1)
    }

    /// Point and unit left normal at arc length s (clamped to the line).
    public func frame(at s: Double) -> (point: Point, normal: Point) {
        let target = min(max(s, 0), length)
        var lo = 0
        var hi = arcLength.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if arcLength[mid] <= target { lo = mid } else { hi = mid }
        }
        let a = points[lo]
        let b = points[min(lo + 1, points.count - 1)]
        let segment = max(arcLength[min(lo + 1, arcLength.count - 1)] - arcLength[lo], 1e-12)
        let t = (target - arcLength[lo]) / segment
        let direction = (b - a) * (1 / segment)
        return (a + (b - a) * t, Point(-direction.y, direction.x))
    }

    /// Squared distance from p to segment ab, and the parameter of the closest point.
    @inline(__always)
    static func projection(_ p: Point, _ a: Point, _ b: Point) -> (Double, Double) {
        let abx = b.x - a.x
        let aby = b.y - a.y
        let len2 = abx * abx + aby * aby
        var t = len2 > 0 ? ((p.x - a.x) * abx + (p.y - a.y) * aby) / len2 : 0
        t = min(1, max(0, t))
        let dx = a.x + abx * t - p.x
        let dy = a.y + aby * t - p.y
        return (dx * dx + dy * dy, t)
    }

    static func distanceSquared(_ p: Point, _ a: Point, _ b: Point) -> Double { projection(p, a, b).0 }
}
