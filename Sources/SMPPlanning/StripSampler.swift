import SMPHardware

/// A dot growth can start from: where it is and its map density (all sessions, dots per mm^2).
struct GrowthSeed {
    var x: Double
    var y: Double
    var density: Double
}

/// Samples one region's new dots of one session layer inside a band of grid columns: Bridson growth and weighted
/// sample elimination, as `DotGenerator` describes. Growth continues a little way past the region's edge
/// (`GhostZone`): those ghost dots are neighbours like any other while the layer is grown and thinned, so a dot
/// at the edge sees the same crowding as one inside and no row forms along the edge, and they are dropped before
/// the layer is committed. It writes only its own arrays and the grid cells of its
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
    /// The same per tile (`PatternBuilder.assignTargets`).
    var tiles: StripTiles?
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
    /// True for a ghost dot (outside the region, never committed, never eliminated).
    private(set) var ghost: [Bool] = []
    /// Live dots inside the region (ghosts are not counted).
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
            append(Point(other.xs[k], other.ys[k]), density: other.density[k], ghost: other.ghost[k])
        }
    }

    @discardableResult
    private mutating func append(_ p: Point, density d: Double, ghost isGhost: Bool) -> Int {
        xs.append(p.x)
        ys.append(p.y)
        density.append(d)
        alive.append(true)
        ghost.append(isGhost)
        if !isGhost { aliveCount += 1 }
        return xs.count - 1
    }

    private mutating func add(_ p: Point, _ site: Site, grid: SamplingGrid) -> GrowthSeed {
        let d = site.density
        let k = append(p, density: d, ghost: site.isGhost)
        grid.insert(slot(k), at: p)
        return GrowthSeed(x: p.x, y: p.y, density: d)
    }

    /// The same strip with its live dots numbered from another first slot (for a rebuilt grid), and its tiles.
    /// Only the regrowth path renumbers, and it sets seeds itself.
    func renumbered(firstSlot: Int32) -> StripSampler {
        var copy = StripSampler(
            region: region, layer: layer, fraction: fraction, columns: firstColumn..<endColumn, firstSlot: firstSlot,
            rng: rng)
        copy.adopt(self)
        copy.tiles = tiles
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

    /// What growth may put at a point: the region's map density there, the radius a dot there needs, and
    /// whether it would be a ghost.
    struct Site {
        var density: Double
        var radius: Double
        var isGhost: Bool
    }

    /// The site at p: inside the region, or in its ghost zone (the region's map continued past its edge); nil
    /// where this region takes no dot at p.
    @inline(__always)
    func site(at p: Point, field: SamplingField, zone: GhostZone, scale: Double) -> Site? {
        var isGhost = field.raster.region(at: p) != region
        var d = field.mapDensity(at: p, region: region)
        if isGhost { d *= zone.ghostWeight(at: p) }
        if d == 0 && field.isFeathered(region: region) {
            d = field.fadeGhostDensity(at: p, region: region)
            isGhost = true
        }
        guard d > 0 else { return nil }
        return Site(density: d, radius: scale * DotGenerator.kappa / (d * fraction).squareRoot(), isGhost: isGhost)
    }

    /// True when a dot lies too close to a candidate at p with the site's radius r: closer than r, or, where the
    /// region's density falls off over a feather (`EdgeField`), closer than the mean of r and that dot's own
    /// radius or than the map's radius halfway between them. The symmetric rule keeps a steep fall-off where the
    /// map puts it: with the candidate's radius alone, a sparse candidate keeps its wide radius from dense dots and
    /// a dense one packs up to sparse dots, which moves the fall-off towards the dense side.
    @inline(__always)
    func crowded(_ p: Point, _ site: Site, field: SamplingField, grid: SamplingGrid) -> Bool {
        let r = site.radius
        // The caller has found no dot within the finest radius, which settles a plain region's test when r is
        // no more than that; where the map falls off, a sparse neighbour's radius can reach farther.
        guard field.isFeathered(region: region) else { return r > grid.finestRadius && grid.anyWithin(p, radius: r) }
        var crowded = false
        // The site's density, not the map's: in front of the fade the map is 0 and a ghost's density is the fade's
        // end (with the map's, its limit would be half its radius: ghosts packed against the fade's sparse end).
        let scale = r * (site.density * fraction).squareRoot()
        let widest = scale / (field.sparsestDensity(region: region) * fraction).squareRoot()
        grid.forEachWithin(p, radius: 0.5 * (r + widest)) { cell, d2 in
            guard !crowded else { return }
            let q = grid.point(at: cell)
            // A committed dot of another region has that region's map (a ghost or a dot of this layer, this one's).
            let owner = field.raster.region(at: q) ?? region
            let rq = scale / (max(field.mapDensity(at: q, region: owner), 1e-9) * fraction).squareRoot()
            let rqc = min(rq, widest)
            let limit = 0.5 * (r + rqc)
            if d2 < limit * limit {
                crowded = true
                return
            }
            // Where the fall-off curves, the radius halfway between the two can exceed the mean of theirs: a
            // pair closer than the map's radius there would look crowded to anyone reading the map.
            let farther = max(r, rqc)
            guard d2 < farther * farther else { return }
            let middle = field.mapDensity(at: Point(0.5 * (p.x + q.x), 0.5 * (p.y + q.y)), region: region)
            guard middle > 0 else { return }
            let rm = min(scale / (middle * fraction).squareRoot(), widest)
            if d2 < rm * rm { crowded = true }
        }
        return crowded
    }

    /// Bridson growth from the seeds, then a sweep over the strip's empty cells inside `box` that seeds every
    /// part of the region growth did not reach.
    mutating func grow(field: SamplingField, zone: GhostZone, grid: SamplingGrid, box: Rect, scale: Double) {
        var active = seeds
        growFrom(&active, field: field, zone: zone, grid: grid, scale: scale)
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
                guard let site = site(at: p, field: field, zone: zone, scale: scale),
                    !crowded(p, site, field: field, grid: grid), !field.hairs.blocks(p)
                else { continue }
                active.append(add(p, site, grid: grid))
                growFrom(&active, field: field, zone: zone, grid: grid, scale: scale)
            }
        }
    }

    private mutating func growFrom(
        _ active: inout [GrowthSeed], field: SamplingField, zone: GhostZone, grid: SamplingGrid, scale: Double
    ) {
        let directions = DotGenerator.directions
        let step = directions.count / DotGenerator.attempts
        // Every radius of the layer is at least the cell diagonal: a dot that close rejects a candidate before
        // any region or density lookup, and where the density is the layer's highest that is the whole test.
        let finest = grid.finestRadius
        let finest2 = finest * finest
        let mask = directions.count - 1  // a power of two
        let feathered = field.isFeathered(region: region)
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
                let jitter = 1.000_001 + DotGenerator.radiusJitter * rng.nextUnit()
                var distance = rp * jitter
                if feathered {
                    // Where the map falls off, the symmetric rule keeps the mean of the two radii: the candidate
                    // goes just outside that (the radius read one seed radius out), not the seed's own radius,
                    // which left a sparse seed's candidates towards denser dots too far out and the fade short.
                    let probe = Point(seed.x + direction.x * rp, seed.y + direction.y * rp)
                    if let far = site(at: probe, field: field, zone: zone, scale: scale) {
                        distance = 0.5 * (rp + far.radius) * jitter
                    }
                }
                let c = Point(seed.x + direction.x * distance, seed.y + direction.y * distance)
                guard owns(column: grid.column(c.x)), grid.isFree(c), c.distanceSquared(to: blocker) >= finest2
                else { continue }
                if let cell = grid.firstWithin(c, radius: finest) {
                    blocker = grid.point(at: cell)
                    continue
                }
                guard let site = site(at: c, field: field, zone: zone, scale: scale),
                    !crowded(c, site, field: field, grid: grid), !field.hairs.blocks(c)
                else { continue }
                active.append(add(c, site, grid: grid))
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
    /// anywhere count, ghosts too. Ghosts are thinned like any dot (the pattern past the edge stays as even as
    /// the one inside it), but only dots inside the region count towards `count`.
    ///
    /// Each tile (`tiles`) gives up dots only while it holds more than its quota: once it is down to it, its dots
    /// drop below every dot of a tile with a surplus, so they go only if tiles that grew short leave the strip
    /// still over its count (then the most crowded of them, wherever they are). Ghosts go at the rate region dots
    /// do, then likewise drop below the rest: a ghost removed does not count, and taking ghosts where region dots
    /// may no longer go would leave the edge's dots the least crowded.
    mutating func eliminate(_ count: Int, grid: SamplingGrid, field: SamplingField) {
        guard count > 0, !xs.isEmpty else { return }
        // Where the density falls off over a feather, a pair counts within the mean of the two dots' reaches:
        // with the sparse dot's own reach over dense neighbours it looks crowded and the sparse side thins, with
        // the denser dot's reach it never looks crowded and elimination takes the whole surplus from the plain
        // part. A dot in front of the fade's end line (map 0) reaches as the fade's ghosts do.
        let varying = field.isFeathered(region: region)
        let hexFactor = 1 / (2 * 3.0.squareRoot())
        let (region, fraction) = (region, fraction)
        func reachOf(_ q: Point) -> Double {
            let owner = field.raster.region(at: q) ?? region
            var d = field.mapDensity(at: q, region: owner)
            if d == 0 { d = field.fadeGhostDensity(at: q, region: region) }
            return 2 * (hexFactor / max(d * fraction, 1e-9)).squareRoot()
        }
        let widestReach = 2 * (hexFactor / (field.sparsestDensity(region: region) * fraction)).squareRoot()
        var twoRMax = [Double](repeating: 0, count: xs.count)
        var weights = [Double](repeating: 0, count: xs.count)
        for k in xs.indices where alive[k] {
            let p = Point(xs[k], ys[k])
            let own = grid.cellIndex(p)
            let reach = 2 * (hexFactor / max(density[k] * fraction, 1e-9)).squareRoot()
            twoRMax[k] = reach
            var w = 0.0
            if varying {
                grid.forEachWithin(p, radius: 0.5 * (reach + widestReach)) { cell, d2 in
                    if cell == own { return }
                    let pairReach = 0.5 * (reach + min(reachOf(grid.point(at: cell)), widestReach))
                    guard d2 < pairReach * pairReach else { return }
                    let t = 1 - d2.squareRoot() / pairReach
                    let t2 = t * t
                    let t4 = t2 * t2
                    w += t4 * t4
                }
            } else {
                grid.forEachWithin(p, radius: reach) { cell, d2 in
                    if cell == own { return }
                    let t = 1 - d2.squareRoot() / reach
                    let t2 = t * t
                    let t4 = t2 * t2
                    w += t4 * t4
                }
            }
            weights[k] = w
        }
        // Tile of each new region dot (-1: a ghost, or no tile), the dots of each tile, and each tile's surplus.
        var tileOf = [Int32](repeating: -1, count: xs.count)
        var surplus: [Int] = []
        var members: [Int32] = []
        var memberStart: [Int32] = []
        var ghosts: [Int32] = []
        if let tiles {
            surplus = tiles.existing.indices.map { tiles.existing[$0] - tiles.quota[$0] }
            for k in xs.indices {
                if ghost[k] {
                    ghosts.append(Int32(k))
                } else if let t = tiles.tile(at: Point(xs[k], ys[k])) {
                    tileOf[k] = Int32(t)
                    surplus[t] += 1
                }
            }
            StripSampler.coverShortfalls(&surplus, columns: tiles.tileColumns)
            // Counting sort of the dots by tile.
            memberStart = [Int32](repeating: 0, count: surplus.count + 1)
            for t in tileOf where t >= 0 { memberStart[Int(t) + 1] += 1 }
            for t in surplus.indices { memberStart[t + 1] += memberStart[t] }
            var fill = memberStart
            members = [Int32](repeating: 0, count: Int(memberStart[surplus.count]))
            for k in xs.indices where tileOf[k] >= 0 {
                let t = Int(tileOf[k])
                members[Int(fill[t])] = Int32(k)
                fill[t] += 1
            }
            for k in xs.indices where tileOf[k] >= 0 && surplus[Int(tileOf[k])] <= 0 {
                weights[k] -= StripSampler.demotion
            }
        }
        let regionDots = xs.indices.reduce(0) { $0 + (ghost[$1] ? 0 : 1) }
        var ghostBudget = tiles == nil ? Int.max : (ghosts.count * count + regionDots / 2) / max(regionDots, 1)
        // Elimination runs once, right after growth, so every dot is alive here.
        var heap = IndexedMaxHeap(keys: weights)
        var removed = 0
        while removed < count {
            guard let k = heap.popMax() else { break }
            let p = Point(xs[k], ys[k])
            alive[k] = false
            if !ghost[k] {
                aliveCount -= 1
                removed += 1
                let t = Int(tileOf[k])
                if t >= 0 {
                    surplus[t] -= 1
                    if surplus[t] == 0 {
                        for m in memberStart[t]..<memberStart[t + 1] where heap.contains(Int(members[Int(m)])) {
                            heap.decrease(Int(members[Int(m)]), by: StripSampler.demotion)
                        }
                    }
                }
            } else {
                ghostBudget -= 1
                if ghostBudget == 0 {
                    for g in ghosts where heap.contains(Int(g)) { heap.decrease(Int(g), by: StripSampler.demotion) }
                }
            }
            grid.remove(at: p)
            let updateRadius = varying ? max(1.5 * twoRMax[k], 0.5 * (twoRMax[k] + widestReach)) : 1.5 * twoRMax[k]
            grid.forEachWithin(p, radius: updateRadius) { cell, d2 in
                guard let j = local(grid.slot(at: cell)), heap.contains(j)
                else { return }
                let d = d2.squareRoot()
                let pairReach = varying ? 0.5 * (twoRMax[j] + twoRMax[k]) : twoRMax[j]
                guard d < pairReach else { return }
                let t = 1 - d / pairReach
                let t2 = t * t
                let t4 = t2 * t2
                heap.decrease(j, by: t4 * t4)
            }
        }
    }

    /// The new region dots (ghosts aside) in each tile.
    func grownPerTile() -> [Int] {
        guard let tiles else { return [] }
        var grown = [Int](repeating: 0, count: tiles.quota.count)
        for k in xs.indices where alive[k] && !ghost[k] {
            if let t = tiles.tile(at: Point(xs[k], ys[k])) { grown[t] += 1 }
        }
        return grown
    }

    /// Lets the nearest tiles with a surplus keep the dots a short tile lacks (nearest first, by Chebyshev rings
    /// of tiles; within a ring in tile order, one dot at a time), so that the strip still ends at its count and
    /// the shortfall stays local: a count over a window then errs only where a short tile and the tile covering
    /// for it lie on different sides of the window's edge.
    static func coverShortfalls(_ surplus: inout [Int], columns: Int) {
        guard columns > 0 else { return }
        let rows = surplus.count / columns
        for t in surplus.indices where surplus[t] < 0 {
            let (tc, tr) = (t % columns, t / columns)
            var radius = 1
            while surplus[t] < 0 && radius < max(columns, rows) {
                var ring: [Int] = []
                for r in max(0, tr - radius)...min(rows - 1, tr + radius) {
                    for c in max(0, tc - radius)...min(columns - 1, tc + radius)
                    where max(abs(r - tr), abs(c - tc)) == radius && surplus[r * columns + c] > 0 {
                        ring.append(r * columns + c)
                    }
                }
                var given = true
                while surplus[t] < 0 && given {
                    given = false
                    for u in ring where surplus[u] > 0 && surplus[t] < 0 {
                        surplus[u] -= 1
                        surplus[t] += 1
                        given = true
                    }
                }
                radius += 1
            }
        }
    }

    /// What a dot's weight drops by once its tile is down to its quota: far above any weight (a dot has at most
    /// a few dozen neighbours, each adding at most 1), so that such dots come after every other.
    static let demotion = 1e6
}
