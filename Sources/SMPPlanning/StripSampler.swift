import SMPHardware

/// A dot growth can start from: where it is and its map density (all sessions, dots per mm^2).
struct GrowthSeed {
    var x: Double
    var y: Double
    var density: Double
}

/// Samples one region's new dots of one session layer inside a band of grid columns: Bridson growth and weighted
/// sample elimination, as `DotGenerator` describes. It writes only its own arrays and the grid cells of its
/// columns, and reads the grid only within `PatternBuilder.reach(region:scale:)` of them, so strips two apart
/// can run at the same time.
struct StripSampler {
    let region: Int
    let layer: Int
    /// Cumulative density fraction of this layer.
    let fraction: Double
    /// Grid columns this strip owns: [firstColumn, endColumn).
    let firstColumn: Int
    let endColumn: Int
    var rng: SeededGenerator
    /// Dots of the region from earlier layers inside these columns (they stay as they are).
    var existing = 0
    /// How many dots of the region these columns should hold after this layer (the density integral's share).
    var target = 0
    /// Where growth starts: earlier layers' dots and neighbouring strips' new dots near these columns.
    var seeds: [GrowthSeed] = []

    /// The grid slot of this strip's dot k is firstSlot + k; slots from firstSlot to firstSlot + the band's cell
    /// count are this strip's alone in its pass (`PatternBuilder` hands them out), so a committed dot needs no
    /// relabelling and another strip's dot is never taken for one's own.
    let firstSlot: Int32
    /// This strip's new dots, by local index.
    private(set) var xs: [Double] = []
    private(set) var ys: [Double] = []
    /// Map density at each new dot: growth and elimination ask for it again and again, and the map lookup is a
    /// raster read that mostly misses the cache.
    private(set) var density: [Double] = []
    private(set) var alive: [Bool] = []
    private(set) var aliveCount = 0

    init(region: Int, layer: Int, fraction: Double, columns: Range<Int>, firstSlot: Int32, rng: SeededGenerator) {
        self.region = region
        self.firstSlot = firstSlot
        self.layer = layer
        self.fraction = fraction
        firstColumn = columns.lowerBound
        endColumn = columns.upperBound
        self.rng = rng
    }

    @inline(__always)
    func owns(column: Int) -> Bool { column >= firstColumn && column < endColumn }

    @inline(__always)
    func slot(_ k: Int) -> Int32 { firstSlot + Int32(k) }

    /// The local index of the dot in a slot, if it is this strip's.
    @inline(__always)
    func local(_ slot: Int32) -> Int? {
        let k = Int(slot) - Int(firstSlot)
        return k >= 0 && k < xs.count ? k : nil
    }

    /// Takes over another strip's new dots (when a region is resampled as one strip); the caller relabels them.
    mutating func adopt(_ other: StripSampler) {
        for k in other.xs.indices where other.alive[k] {
            append(Point(other.xs[k], other.ys[k]), density: other.density[k])
        }
    }

    @discardableResult
    private mutating func append(_ p: Point, density d: Double) -> Int {
        xs.append(p.x)
        ys.append(p.y)
        density.append(d)
        alive.append(true)
        aliveCount += 1
        return xs.count - 1
    }

    private mutating func add(_ p: Point, density d: Double, grid: SamplingGrid) -> GrowthSeed {
        let k = append(p, density: d)
        grid.insert(slot(k), at: p)
        return GrowthSeed(x: p.x, y: p.y, density: d)
    }

    /// The same strip with its live dots numbered from another first slot (for a rebuilt grid). Only the regrowth
    /// path renumbers, and it sets seeds itself and needs no share.
    func renumbered(firstSlot: Int32) -> StripSampler {
        var copy = StripSampler(
            region: region, layer: layer, fraction: fraction, columns: firstColumn..<endColumn, firstSlot: firstSlot,
            rng: rng)
        copy.adopt(self)
        return copy
    }

    /// Re-inserts the strip's live dots (after the grid was rebuilt).
    func insertAll(into grid: SamplingGrid) {
        for k in xs.indices where alive[k] { grid.insert(slot(k), at: Point(xs[k], ys[k])) }
    }

    /// The live dots as growth seeds.
    var liveSeeds: [GrowthSeed] {
        xs.indices.filter { alive[$0] }.map { GrowthSeed(x: xs[$0], y: ys[$0], density: density[$0]) }
    }

    // MARK: Growth

    /// The map density at p and the radius a new dot there needs (nil where this region takes no dot at p).
    @inline(__always)
    func radius(at p: Point, field: SamplingField, scale: Double) -> (density: Double, radius: Double)? {
        guard field.raster.region(at: p) == region else { return nil }
        let d = field.mapDensity(at: p, region: region)
        guard d > 0 else { return nil }
        return (d, scale * DotGenerator.kappa / (d * fraction).squareRoot())
    }

    /// Bridson growth from the seeds, then a sweep over the strip's empty cells inside `box` that seeds every
    /// part of the region growth did not reach.
    mutating func grow(field: SamplingField, grid: SamplingGrid, box: Rect, scale: Double) {
        var active = seeds
        growFrom(&active, field: field, grid: grid, scale: scale)
        let c0 = max(firstColumn, grid.column(box.minX))
        let c1 = min(endColumn - 1, grid.column(box.maxX))
        let r0 = max(0, grid.row(box.minY))
        let r1 = min(grid.rows - 1, grid.row(box.maxY))
        guard c0 <= c1, r0 <= r1 else { return }
        let finest = grid.finestRadius
        // As in growth: the dot that rejected the last cell's point often rejects the next one's.
        var blocker = Point(SamplingGrid.vacant, SamplingGrid.vacant)
        for row in r0...r1 {
            for column in c0...c1 where grid.isEmpty(cell: row * grid.columns + column) {
                let p = Point(
                    grid.origin.x + (Double(column) + rng.nextUnit()) * grid.cell,
                    grid.origin.y + (Double(row) + rng.nextUnit()) * grid.cell)
                guard p.distanceSquared(to: blocker) >= finest * finest else { continue }
                if let cell = grid.firstWithin(p, radius: finest) {
                    blocker = grid.point(at: cell)
                    continue
                }
                guard let (d, rp) = radius(at: p, field: field, scale: scale),
                    rp <= finest || !grid.anyWithin(p, radius: rp), !field.hairs.blocks(p)
                else { continue }
                active.append(add(p, density: d, grid: grid))
                growFrom(&active, field: field, grid: grid, scale: scale)
            }
        }
    }

    private mutating func growFrom(
        _ active: inout [GrowthSeed], field: SamplingField, grid: SamplingGrid, scale: Double
    ) {
        let directions = DotGenerator.directions
        let step = directions.count / DotGenerator.attempts
        // Every radius of the layer is at least the cell diagonal: a dot that close rejects a candidate before
        // any region or density lookup, and where the density is the layer's highest that is the whole test.
        let finest = grid.finestRadius
        let finest2 = finest * finest
        let mask = directions.count - 1  // a power of two
        while !active.isEmpty {
            let pick = StripSampler.index(rng.next(), below: active.count)
            let seed = active[pick]
            let rp = scale * DotGenerator.kappa / (seed.density * fraction).squareRoot()
            var placed = false
            // Candidates just outside the radius at evenly spaced directions from a random start (Roberts'
            // variant of Bridson): denser packing and fewer attempts. Directions come from a table built with
            // the portable sine; radii get a little jitter so that no lattice forms.
            let start = StripSampler.index(rng.next(), below: directions.count)
            // The dot that rejected the last candidate: neighbouring directions are 45 degrees apart and one dot
            // near the seed blocks about a third of the circle, so it usually rejects the next one too, with one
            // distance instead of a walk over the grid (the outcome is the same either way).
            var blocker = Point(SamplingGrid.vacant, SamplingGrid.vacant)
            for attempt in 0..<DotGenerator.attempts {
                let direction = directions[(start + attempt * step) & mask]
                let distance = rp * (1.000_001 + DotGenerator.radiusJitter * rng.nextUnit())
                let c = Point(seed.x + direction.x * distance, seed.y + direction.y * distance)
                guard owns(column: grid.column(c.x)), grid.isFree(c), c.distanceSquared(to: blocker) >= finest2
                else { continue }
                if let cell = grid.firstWithin(c, radius: finest) {
                    blocker = grid.point(at: cell)
                    continue
                }
                guard let (d, rc) = radius(at: c, field: field, scale: scale),
                    rc <= finest || !grid.anyWithin(c, radius: rc), !field.hairs.blocks(c)
                else { continue }
                active.append(add(c, density: d, grid: grid))
                placed = true
                break
            }
            if !placed {
                active.swapAt(pick, active.count - 1)
                active.removeLast()
            }
        }
    }

    /// A uniform index below `count` from 64 random bits (Lemire's multiply-shift: no division).
    @inline(__always)
    static func index(_ random: UInt64, below count: Int) -> Int {
        Int(UInt64(count).multipliedFullWidth(by: random).high)
    }

    // MARK: Elimination

    /// Weighted sample elimination (Yuksel 2015) among this strip's new dots: repeatedly drop the dot whose
    /// neighbourhood is most crowded, with weight (1 - d / 2 r_max)^8 per neighbour closer than 2 r_max,
    /// r_max = sqrt(1 / (2 sqrt 3 rho)) being the hexagonal-packing radius at the target density. Neighbours
    /// anywhere count; only this strip's dots are removed.
    mutating func eliminate(_ count: Int, grid: SamplingGrid) {
        guard count > 0, !xs.isEmpty else { return }
        let hexFactor = 1 / (2 * 3.0.squareRoot())
        var twoRMax = [Double](repeating: 0, count: xs.count)
        var weights = [Double](repeating: 0, count: xs.count)
        for k in xs.indices where alive[k] {
            let p = Point(xs[k], ys[k])
            let own = grid.cellIndex(p)
            let reach = 2 * (hexFactor / max(density[k] * fraction, 1e-9)).squareRoot()
            twoRMax[k] = reach
            var w = 0.0
            grid.forEachWithin(p, radius: reach) { cell, d2 in
                if cell == own { return }
                let t = 1 - d2.squareRoot() / reach
                let t2 = t * t
                let t4 = t2 * t2
                w += t4 * t4
            }
            weights[k] = w
        }
        // Elimination runs once, right after growth, so every dot is alive here.
        var heap = IndexedMaxHeap(keys: weights)
        for _ in 0..<count {
            guard let k = heap.popMax() else { break }
            let p = Point(xs[k], ys[k])
            alive[k] = false
            aliveCount -= 1
            grid.remove(at: p)
            grid.forEachWithin(p, radius: twoRMax[k] * 1.5) { cell, d2 in
                guard let j = local(grid.slot(at: cell)), heap.contains(j)
                else { return }
                let d = d2.squareRoot()
                guard d < twoRMax[j] else { return }
                let t = 1 - d / twoRMax[j]
                let t2 = t * t
                let t4 = t2 * t2
                heap.decrease(j, by: t4 * t4)
            }
        }
    }
}
