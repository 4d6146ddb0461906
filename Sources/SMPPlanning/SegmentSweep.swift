/// Finds a pair of crossing or touching edges among closed rings in O(n log n) (Shamos and Hoey's sweep, 1976):
/// segments enter an ordered set at their left end and leave at their right end, and only neighbours in the set
/// are tested. It stops at the first pair found, so a polygon that goes round the same outline a thousand times
/// is refused after a few tests rather than after every pair.
///
/// Two edges of one ring that share a vertex (neighbours along the ring) are not a crossing; every other shared
/// point is. Repeated consecutive vertices are skipped (they make no edge).
struct SegmentSweep {
    /// One crossing: ring index and edge index (edge e joins vertex e to vertex e + 1 of the ring as given).
    struct Crossing: Equatable, Sendable {
        var ringA: Int
        var edgeA: Int
        var ringB: Int
        var edgeB: Int
    }

    private struct Segment {
        var left: Point
        var right: Point
        var ring: Int32
        /// Position along the ring's deduplicated edge list, for the neighbour test.
        var position: Int32
        /// Edge index in the ring as given.
        var edge: Int32
        var ringEdgeCount: Int32
    }

    private var segments: [Segment] = []
    // A treap over segment indices ordered by height at the sweep line, with parent links so that a segment's
    // neighbours and its removal need no search.
    private var leftChild: [Int32] = []
    private var rightChild: [Int32] = []
    private var parent: [Int32] = []
    private var priority: [UInt64] = []
    private var root: Int32 = -1
    /// Pairs of segments tested so far: the sweep's work, which tests bound.
    private(set) var pairTests = 0

    /// The first crossing the sweep meets, or nil when the rings are simple and pairwise disjoint.
    static func firstCrossing(_ rings: [[Point]]) -> Crossing? { search(rings).crossing }

    /// The first crossing and how many segment pairs were tested to find it.
    static func search(_ rings: [[Point]]) -> (crossing: Crossing?, pairTests: Int) {
        var sweep = SegmentSweep()
        for (r, ring) in rings.enumerated() {
            // Edges between distinct consecutive vertices, with the index of the edge as given.
            var kept: [(Point, Point, Int)] = []
            let n = ring.count
            guard n >= 2 else { continue }
            for e in 0..<n {
                let a = ring[e]
                let b = ring[(e + 1) % n]
                if a != b { kept.append((a, b, e)) }
            }
            for (position, (a, b, e)) in kept.enumerated() {
                let (left, right) = (a.x, a.y) <= (b.x, b.y) ? (a, b) : (b, a)
                sweep.segments.append(
                    Segment(
                        left: left, right: right, ring: Int32(r), position: Int32(position), edge: Int32(e),
                        ringEdgeCount: Int32(kept.count)))
            }
        }
        let crossing = sweep.run()
        return (crossing, sweep.pairTests)
    }

    private mutating func run() -> Crossing? {
        let count = segments.count
        leftChild = [Int32](repeating: -1, count: count)
        rightChild = leftChild
        parent = leftChild
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        priority = (0..<count).map { _ in
            // SplitMix64: fixed, so that the same input always takes the same path.
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        // Events: left ends before right ends at the same x, so that segments meeting there are in the set together.
        var events: [(x: Double, kind: Int, y: Double, segment: Int32)] = []
        events.reserveCapacity(2 * count)
        for (i, s) in segments.enumerated() {
            events.append((s.left.x, 0, s.left.y, Int32(i)))
            events.append((s.right.x, 1, s.right.y, Int32(i)))
        }
        events.sort { ($0.x, $0.kind, $0.y, $0.segment) < ($1.x, $1.kind, $1.y, $1.segment) }
        for event in events {
            let s = event.segment
            if event.kind == 0 {
                insert(s)
                if let p = predecessor(s), let crossing = test(p, s) { return crossing }
                if let n = successor(s), let crossing = test(s, n) { return crossing }
            } else {
                let p = predecessor(s)
                let n = successor(s)
                remove(s)
                if let p, let n, let crossing = test(p, n) { return crossing }
            }
        }
        return nil
    }

    private mutating func test(_ i: Int32, _ j: Int32) -> Crossing? {
        pairTests += 1
        let a = segments[Int(i)]
        let b = segments[Int(j)]
        if a.ring == b.ring {
            let gap = abs(a.position - b.position)
            if gap == 1 || gap == a.ringEdgeCount - 1 {
                guard Self.neighboursOverlap(a.left, a.right, b.left, b.right) else { return nil }
            } else {
                guard Ring.segmentsIntersect(a.left, a.right, b.left, b.right) else { return nil }
            }
        } else {
            guard Ring.segmentsIntersect(a.left, a.right, b.left, b.right) else { return nil }
        }
        let first = (Int(a.ring), Int(a.edge)) <= (Int(b.ring), Int(b.edge)) ? a : b
        let second = first.ring == a.ring && first.edge == a.edge ? b : a
        return Crossing(
            ringA: Int(first.ring), edgeA: Int(first.edge), ringB: Int(second.ring), edgeB: Int(second.edge))
    }

    /// True when two edges that follow each other along a ring share more than their common vertex: the ring
    /// doubles back on itself (a spike of no width), which is a crossing too. (Where neighbours are allowed to
    /// touch, such an overlap would hide the crossings of other edges at that vertex from the sweep.)
    static func neighboursOverlap(_ a0: Point, _ a1: Point, _ b0: Point, _ b1: Point) -> Bool {
        let shared: Point
        let aFar: Point
        let bFar: Point
        if a0 == b0 || a0 == b1 {
            shared = a0
            aFar = a1
            bFar = a0 == b0 ? b1 : b0
        } else if a1 == b0 || a1 == b1 {
            shared = a1
            aFar = a0
            bFar = a1 == b0 ? b1 : b0
        } else {
            return Ring.segmentsIntersect(a0, a1, b0, b1)
        }
        if aFar == shared || bFar == shared { return false }
        let u = aFar - shared
        let v = bFar - shared
        return u.x * v.y - u.y * v.x == 0 && u.x * v.x + u.y * v.y > 0
    }

    /// Height of segment s at x (its lower end for a vertical segment).
    private func height(_ s: Segment, at x: Double) -> Double {
        let dx = s.right.x - s.left.x
        if dx == 0 { return s.left.y }
        let t = (x - s.left.x) / dx
        return s.left.y + (s.right.y - s.left.y) * min(1, max(0, t))
    }

    private func slope(_ s: Segment) -> Double {
        let dx = s.right.x - s.left.x
        return dx == 0 ? .infinity : (s.right.y - s.left.y) / dx
    }

    /// Order in the set: height where both exist (at the later left end), then slope, then index. The order of
    /// two segments in the set never changes until they cross, which the sweep finds first.
    private func less(_ i: Int32, _ j: Int32) -> Bool {
        let a = segments[Int(i)]
        let b = segments[Int(j)]
        let x = max(a.left.x, b.left.x)
        let ya = height(a, at: x)
        let yb = height(b, at: x)
        let tolerance = 1e-9 * max(1, abs(ya), abs(yb))
        if ya < yb - tolerance { return true }
        if ya > yb + tolerance { return false }
        let sa = slope(a)
        let sb = slope(b)
        if sa != sb { return sa < sb }
        return i < j
    }

    private mutating func insert(_ s: Int32) {
        guard root >= 0 else {
            root = s
            return
        }
        var current = root
        while true {
            if less(s, current) {
                if leftChild[Int(current)] < 0 {
                    leftChild[Int(current)] = s
                    break
                }
                current = leftChild[Int(current)]
            } else {
                if rightChild[Int(current)] < 0 {
                    rightChild[Int(current)] = s
                    break
                }
                current = rightChild[Int(current)]
            }
        }
        parent[Int(s)] = current
        while parent[Int(s)] >= 0 && priority[Int(s)] > priority[Int(parent[Int(s)])] { rotateUp(s) }
    }

    private mutating func remove(_ s: Int32) {
        while true {
            let l = leftChild[Int(s)]
            let r = rightChild[Int(s)]
            if l < 0 && r < 0 { break }
            if r < 0 || (l >= 0 && priority[Int(l)] > priority[Int(r)]) { rotateUp(l) } else { rotateUp(r) }
        }
        let p = parent[Int(s)]
        if p < 0 {
            root = -1
        } else if leftChild[Int(p)] == s {
            leftChild[Int(p)] = -1
        } else {
            rightChild[Int(p)] = -1
        }
        parent[Int(s)] = -1
    }

    /// Lifts x above its parent, keeping the in-order sequence.
    private mutating func rotateUp(_ x: Int32) {
        let p = parent[Int(x)]
        let g = parent[Int(p)]
        if leftChild[Int(p)] == x {
            let moved = rightChild[Int(x)]
            leftChild[Int(p)] = moved
            if moved >= 0 { parent[Int(moved)] = p }
            rightChild[Int(x)] = p
        } else {
            let moved = leftChild[Int(x)]
            rightChild[Int(p)] = moved
            if moved >= 0 { parent[Int(moved)] = p }
            leftChild[Int(x)] = p
        }
        parent[Int(p)] = x
        parent[Int(x)] = g
        if g < 0 {
            root = x
        } else if leftChild[Int(g)] == p {
            leftChild[Int(g)] = x
        } else {
            rightChild[Int(g)] = x
        }
    }

    private func predecessor(_ s: Int32) -> Int32? {
        var x = s
        if leftChild[Int(x)] >= 0 {
            x = leftChild[Int(x)]
            while rightChild[Int(x)] >= 0 { x = rightChild[Int(x)] }
            return x
        }
        while parent[Int(x)] >= 0 {
            let p = parent[Int(x)]
            if rightChild[Int(p)] == x { return p }
            x = p
        }
        return nil
    }

    private func successor(_ s: Int32) -> Int32? {
        var x = s
        if rightChild[Int(x)] >= 0 {
            x = rightChild[Int(x)]
            while leftChild[Int(x)] >= 0 { x = leftChild[Int(x)] }
            return x
        }
        while parent[Int(x)] >= 0 {
            let p = parent[Int(x)]
            if leftChild[Int(p)] == x { return p }
            x = p
        }
        return nil
    }
}
