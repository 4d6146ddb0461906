import Foundation

/// Orders points for short travel: nearest-neighbour construction on a grid, then 2-opt and Or-opt with
/// neighbour lists and don't-look bits, under a work budget counted in move evaluations.
///
/// The budget is what makes the order deterministic: the same points give the same tour on every run and
/// machine. A wall-clock cap (`safetyCutoff`) exists only to stop a pathological input from hanging the CLI; when
/// it fires, `Result.stoppedByClock` says so and the tour, still valid, may differ between runs.
public enum TourOptimizer {
    public struct Options: Sendable {
        /// Move evaluations allowed per point (the deterministic budget).
        public var evaluationsPerPoint: Int
        /// Nearest neighbours considered per point.
        public var neighbours: Int
        /// Longest segment reversal accepted: bounds the cost of one move on very large tours.
        public var maxReversal: Int
        /// Wall-clock safety cutoff in seconds (see the type's documentation).
        public var safetyCutoff: Double

        public init(
            evaluationsPerPoint: Int = 400, neighbours: Int = 10, maxReversal: Int = 50_000, safetyCutoff: Double = 20
        ) {
            self.evaluationsPerPoint = evaluationsPerPoint
            self.neighbours = neighbours
            self.maxReversal = maxReversal
            self.safetyCutoff = safetyCutoff
        }
    }

    public struct Result: Sendable {
        /// Indices into the input, in visiting order (an open path).
        public var order: [Int]
        public var stoppedByClock: Bool
    }

    /// An open path through all points starting near `start`.
    public static func order(_ points: [Point], start: Point, options: Options = Options()) -> Result {
        let n = points.count
        if n <= 3 {
            let sorted = (0..<n).sorted {
                (points[$0].distanceSquared(to: start), $0) < (points[$1].distanceSquared(to: start), $1)
            }
            return Result(
                order: n <= 1 ? Array(0..<n) : openPath(cycle: sorted, points: points, start: start),
                stoppedByClock: false)
        }
        let index = SpatialIndex(points)
        let first = index.nearest(to: start)
        var tour = index.nearestNeighbourTour(from: first)
        let neighbours = index.kNearest(options.neighbours)
        var improver = TwoOptImprover(points: points, tour: tour, neighbours: neighbours, k: options.neighbours)
        let stopped = improver.run(
            budget: options.evaluationsPerPoint * n, maxReversal: options.maxReversal, cutoff: options.safetyCutoff)
        tour = improver.tour
        return Result(order: openPath(cycle: tour, points: points, start: start), stoppedByClock: stopped)
    }

    /// Cuts a cycle into the path that starts nearest `start`: removes the edge that saves most travel.
    static func openPath(cycle: [Int], points: [Point], start: Point) -> [Int] {
        let n = cycle.count
        guard n > 1 else { return cycle }
        var bestCost = Double.infinity
        var bestCut = 0
        var forward = true
        for k in 0..<n {
            let a = points[cycle[k]]
            let b = points[cycle[(k + 1) % n]]
            let edge = a.distance(to: b)
            // Forward: start at b, end at a. Backward: start at a, end at b.
            let f = start.distance(to: b) - edge
            let r = start.distance(to: a) - edge
            if f < bestCost {
                bestCost = f
                bestCut = k
                forward = true
            }
            if r < bestCost {
                bestCost = r
                bestCut = k
                forward = false
            }
        }
        var path: [Int] = []
        path.reserveCapacity(n)
        if forward {
            for s in 1...n { path.append(cycle[(bestCut + s) % n]) }
        } else {
            for s in 0..<n { path.append(cycle[(bestCut - s + n) % n]) }
        }
        return path
    }

    /// Length of an open path through points in `order`.
    public static func length(_ points: [Point], order: [Int]) -> Double {
        guard order.count > 1 else { return 0 }
        var sum = 0.0
        for k in 1..<order.count { sum += points[order[k - 1]].distance(to: points[order[k]]) }
        return sum
    }
}

/// A bucket grid over the points for nearest-neighbour queries.
struct SpatialIndex {
    let points: [Point]
    let origin: Point
    let cell: Double
    let columns: Int
    let rows: Int
    /// Cell start offsets into `items` (CSR layout).
    let start: [Int32]
    let items: [Int32]

    init(_ points: [Point]) {
        self.points = points
        let box = Rect(bounding: points) ?? Rect(minX: 0, minY: 0, maxX: 1, maxY: 1)
        let area = max(box.width * box.height, 1e-6)
        cell = max((area / Double(points.count) * 2).squareRoot(), 1e-6)
        origin = Point(box.minX, box.minY)
        columns = Int(box.width / cell) + 1
        rows = Int(box.height / cell) + 1
        var counts = [Int32](repeating: 0, count: columns * rows + 1)
        var cellOf = [Int32](repeating: 0, count: points.count)
        for (i, p) in points.enumerated() {
            let c =
                min(columns - 1, Int((p.x - box.minX) / cell)) + min(rows - 1, Int((p.y - box.minY) / cell)) * columns
            cellOf[i] = Int32(c)
            counts[c + 1] += 1
        }
        for c in 0..<(columns * rows) { counts[c + 1] += counts[c] }
        var fill = counts
        var items = [Int32](repeating: 0, count: points.count)
        for i in 0..<points.count {
            let c = Int(cellOf[i])
            items[Int(fill[c])] = Int32(i)
            fill[c] += 1
        }
        start = counts
        self.items = items
    }

    func cellCoordinates(_ p: Point) -> (Int, Int) {
        (
            min(columns - 1, max(0, Int((p.x - origin.x) / cell))),
            min(rows - 1, max(0, Int((p.y - origin.y) / cell)))
        )
    }

    func nearest(to p: Point) -> Int {
        var best = -1
        var bestD = Double.infinity
        let (cx, cy) = cellCoordinates(p)
        var ring = 0
        while ring <= max(columns, rows) {
            forEachInRing(cx, cy, ring) { i in
                let d = points[i].distanceSquared(to: p)
                if d < bestD || (d == bestD && i < best) {
                    bestD = d
                    best = i
                }
            }
            if best >= 0 && Double(ring) * cell >= bestD.squareRoot() { break }
            ring += 1
        }
        return max(best, 0)
    }

    @inline(__always)
    func forEachInRing(_ cx: Int, _ cy: Int, _ ring: Int, _ body: (Int) -> Void) {
        let y0 = cy - ring
        let y1 = cy + ring
        for y in max(0, y0)...min(rows - 1, y1) where y <= rows - 1 && y >= 0 {
            let edgeRow = y == y0 || y == y1
            let step = edgeRow ? 1 : max(1, 2 * ring)
            var x = cx - ring
            while x <= cx + ring {
                if x >= 0 && x < columns {
                    let c = y * columns + x
                    for k in Int(start[c])..<Int(start[c + 1]) { body(Int(items[k])) }
                }
                x += step
            }
        }
    }

    /// Greedy nearest-neighbour tour; visited points are skipped via a per-cell live count.
    func nearestNeighbourTour(from first: Int) -> [Int] {
        let n = points.count
        var visited = [Bool](repeating: false, count: n)
        var live = [Int32](repeating: 0, count: columns * rows)
        for c in 0..<(columns * rows) { live[c] = start[c + 1] - start[c] }
        var tour: [Int] = []
        tour.reserveCapacity(n)
        var current = first
        func visit(_ i: Int) {
            visited[i] = true
            let (cx, cy) = cellCoordinates(points[i])
            live[cy * columns + cx] -= 1
            tour.append(i)
        }
        visit(current)
        while tour.count < n {
            let p = points[current]
            let (cx, cy) = cellCoordinates(p)
            var best = -1
            var bestD = Double.infinity
            var ring = 0
            while ring <= max(columns, rows) {
                let y0 = cy - ring
                let y1 = cy + ring
                if y0 <= rows - 1 && y1 >= 0 {
                    for y in max(0, y0)...min(rows - 1, y1) {
                        let edgeRow = y == y0 || y == y1
                        let step = edgeRow ? 1 : max(1, 2 * ring)
                        var x = cx - ring
                        while x <= cx + ring {
                            if x >= 0 && x < columns {
                                let c = y * columns + x
                                if live[c] > 0 {
                                    for k in Int(start[c])..<Int(start[c + 1]) {
                                        let i = Int(items[k])
                                        if visited[i] { continue }
                                        let d = points[i].distanceSquared(to: p)
                                        if d < bestD || (d == bestD && i < best) {
                                            bestD = d
                                            best = i
                                        }
                                    }
                                }
                            }
                            x += step
                        }
                    }
                }
                if best >= 0 && Double(ring) * cell >= bestD.squareRoot() { break }
                ring += 1
            }
            current = best
            visit(current)
        }
        return tour
    }

    /// The k nearest other points of every point, nearest first.
    func kNearest(_ k: Int) -> [Int32] {
        let n = points.count
        let kk = min(k, n - 1)
        var result = [Int32](repeating: -1, count: n * k)
        var bestI = [Int](repeating: -1, count: kk)
        var bestD = [Double](repeating: .infinity, count: kk)
        for i in 0..<n {
            let p = points[i]
            for s in 0..<kk {
                bestI[s] = -1
                bestD[s] = .infinity
            }
            let (cx, cy) = cellCoordinates(p)
            var ring = 0
            while ring <= max(columns, rows) {
                forEachInRing(cx, cy, ring) { j in
                    guard j != i else { return }
                    let d = points[j].distanceSquared(to: p)
                    if d < bestD[kk - 1] || (d == bestD[kk - 1] && j < bestI[kk - 1]) {
                        var s = kk - 1
                        while s > 0 && (d < bestD[s - 1] || (d == bestD[s - 1] && j < bestI[s - 1])) {
                            bestD[s] = bestD[s - 1]
                            bestI[s] = bestI[s - 1]
                            s -= 1
                        }
                        bestD[s] = d
                        bestI[s] = j
                    }
                }
                if bestI[kk - 1] >= 0 && Double(ring) * cell >= bestD[kk - 1].squareRoot() { break }
                ring += 1
            }
            for s in 0..<kk { result[i * k + s] = Int32(bestI[s]) }
        }
        return result
    }
}
