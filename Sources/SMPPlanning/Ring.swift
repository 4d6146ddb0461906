/// A closed polygon ring (the last vertex joins the first; the first is not repeated).
public struct Ring: Sendable, Hashable {
    public var points: [Point]

    public init(_ points: [Point]) {
        // Drop a repeated closing vertex, which SVG and hand-written files often carry.
        var points = points
        if points.count > 1, let first = points.first, let last = points.last, first == last {
            points.removeLast()
        }
        self.points = points
    }

    /// Signed area (shoelace): positive for counter-clockwise rings in a y-up frame.
    public var signedArea: Double {
        guard points.count >= 3 else { return 0 }
        var sum = 0.0
        var previous = points[points.count - 1]
        for p in points {
            sum += previous.x * p.y - p.x * previous.y
            previous = p
        }
        return sum / 2
    }

    public var area: Double { abs(signedArea) }

    public var bounds: Rect? { Rect(bounding: points) }

    /// Even-odd point-in-ring test (crossing number).
    public func contains(_ p: Point) -> Bool {
        var inside = false
        var j = points.count - 1
        for i in 0..<points.count {
            let a = points[i]
            let b = points[j]
            if (a.y > p.y) != (b.y > p.y) {
                let xCross = a.x + (p.y - a.y) / (b.y - a.y) * (b.x - a.x)
                if p.x < xCross { inside.toggle() }
            }
            j = i
        }
        return inside
    }

    /// A pair of non-adjacent edges that cross or touch, as edge indices (smaller first), if any: the first the
    /// sweep meets (`SegmentSweep`), in O(n log n).
    public func firstSelfIntersection() -> (Int, Int)? {
        guard points.count >= 4, let crossing = SegmentSweep.firstCrossing([points]) else { return nil }
        return (min(crossing.edgeA, crossing.edgeB), max(crossing.edgeA, crossing.edgeB))
    }

    /// True when closed segments ab and cd share a point.
    static func segmentsIntersect(_ a: Point, _ b: Point, _ c: Point, _ d: Point) -> Bool {
        func orient(_ p: Point, _ q: Point, _ r: Point) -> Double {
            (q.x - p.x) * (r.y - p.y) - (q.y - p.y) * (r.x - p.x)
        }
        func onSegment(_ p: Point, _ q: Point, _ r: Point) -> Bool {
            min(p.x, q.x) <= r.x && r.x <= max(p.x, q.x) && min(p.y, q.y) <= r.y && r.y <= max(p.y, q.y)
        }
        let d1 = orient(c, d, a)
        let d2 = orient(c, d, b)
        let d3 = orient(a, b, c)
        let d4 = orient(a, b, d)
        if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) { return true }
        if d1 == 0 && onSegment(c, d, a) { return true }
        if d2 == 0 && onSegment(c, d, b) { return true }
        if d3 == 0 && onSegment(a, b, c) { return true }
        if d4 == 0 && onSegment(a, b, d) { return true }
        return false
    }

    /// Distance from p to the nearest edge.
    public func distanceToBoundary(_ p: Point) -> Double {
        var best = Double.infinity
        var previous = points[points.count - 1]
        for q in points {
            best = min(best, Polyline.distanceSquared(p, previous, q))
            previous = q
        }
        return best.squareRoot()
    }
}

/// A region outline: one outer ring and any number of holes.
public struct PolygonWithHoles: Sendable, Hashable {
    public var outer: Ring
    public var holes: [Ring]

    public init(outer: Ring, holes: [Ring] = []) {
        self.outer = outer
        self.holes = holes
    }

    public func contains(_ p: Point) -> Bool {
        guard outer.contains(p) else { return false }
        for hole in holes where hole.contains(p) { return false }
        return true
    }

    /// Outer area less the holes' areas (holes are validated to lie inside and not overlap the outline).
    public var area: Double { outer.area - holes.reduce(0) { $0 + $1.area } }

    public var bounds: Rect? { outer.bounds }
}
