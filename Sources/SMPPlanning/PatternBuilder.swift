/// The working state of `DotGenerator`: all dots so far (structure of arrays), the ownership raster, the sampling
/// grid of the current session layer, and the per-region targets.
struct PatternBuilder {
    let plan: Plan
    let raster: RegionRaster
    let hairs: HairIndex
    let hairline: HairlineField?
    /// Final density per region, dots per mm^2.
    let densityPerMM2: [Double]
    /// Expected final dot count per region: the integral of the density map over what the region owns.
    let expectedCounts: [Double]

    var xs: [Double] = []
    var ys: [Double] = []
    var region: [Int32] = []
    var layer: [Int8] = []
    var alive: [Bool] = []
    var sentinel: [Bool] = []
    /// The density map (dots per mm^2, all sessions) at each dot, kept current as relaxation moves it: growth,
    /// elimination and relaxation ask for a dot's own density again and again, and the map lookup (a bilinear
    /// hairline raster read, a cache miss more often than not) was a sixth of the generation time.
    var mapDensity: [Double] = []
    var grid: PointGrid
    var fraction = 1.0

    init(plan: Plan) {
        self.plan = plan
        let maxDensity = plan.regions.map(\.densityPerCM2).max() ?? 100
        let finestRadius = DotGenerator.kappa / (maxDensity / 100).squareRoot()
        // Raster cells half the finest radius. Cells an edge crosses get exact region tests and 2 x 2 samples in
        // the density integral, so the cell size sets no boundary error; coarser cells (a quarter of the radius
        // before) mean a 4x smaller raster to integrate and fewer cache misses per candidate.
        raster = RegionRaster(regions: plan.regions, cell: min(0.5, max(0.05, finestRadius / 2)))
        hairs = HairIndex(hairs: plan.existingHairs, clearance: plan.hairClearanceMM)
        hairline = plan.hairline.map {
            HairlineField(spec: $0, region: plan.regions[$0.regionIndex].shape, seed: plan.seed)
        }
        densityPerMM2 = plan.regions.map { $0.densityPerCM2 / 100 }
        grid = PointGrid(origin: .init(0, 0), cell: 1, columns: 1, rows: 1)
        expectedCounts = PatternBuilder.integrate(
            raster: raster, regions: plan.regions, densityPerMM2: densityPerMM2, hairline: hairline, hairs: hairs)
    }

    /// Integral of the density map over each region's owned cells (cell centres; 4 samples in cells an edge
    /// crosses), skipping hair clearance.
    static func integrate(
        raster: RegionRaster, regions: [PlanRegion], densityPerMM2: [Double], hairline: HairlineField?,
        hairs: HairIndex
    ) -> [Double] {
        var sums = [Double](repeating: 0, count: regions.count)
        let area = raster.cell * raster.cell
        for row in 0..<raster.rows {
            for column in 0..<raster.columns {
                let o = raster.owner[row * raster.columns + column]
                if o == RegionRaster.outside { continue }
                let c = raster.centre(column, row)
                if o == RegionRaster.boundary {
                    // A region edge crosses the cell: 2 x 2 exact samples (the sample spacing of the finer raster
                    // this one replaced), so the integral does not take the centre for the whole cell.
                    for k in 0..<4 {
                        let s = Point(
                            c.x + (Double(k % 2) - 0.5) * 0.5 * raster.cell,
                            c.y + (Double(k / 2) - 0.5) * 0.5 * raster.cell)
                        guard let index = raster.exactRegion(at: s), !hairs.blocks(s) else { continue }
                        var weight = densityPerMM2[index]
                        if let hairline, hairline.spec.regionIndex == index { weight *= hairline.fraction(at: s) }
                        sums[index] += weight * area / 4
                    }
                    continue
                }
                let index = Int(o)
                if hairs.blocks(c) { continue }
                var weight = densityPerMM2[index]
                if let hairline, hairline.spec.regionIndex == index { weight *= hairline.fraction(at: c) }
                sums[index] += weight * area
            }
        }
        return sums
    }

    /// The density map at p for region r, all sessions, dots per mm^2 (0 where no dot may go).
    @inline(__always)
    func mapDensity(at p: Point, region r: Int) -> Double {
        var d = densityPerMM2[r]
        if let hairline, hairline.spec.regionIndex == r { d *= hairline.fraction(at: p) }
        return d
    }

    mutating func run() {
        let order = raster.priorityOrder
        for (layerIndex, f) in plan.session.fractions.enumerated() {
            fraction = f
            rebuildGrid()
            for r in order {
                let target = Int((expectedCounts[r] * f).rounded())
                var rng = SeededGenerator(seed: plan.seed, stream: UInt64(layerIndex * 4096 + r + 1))
                let existing = countAlive(region: r)
                let firstNew = xs.count
                var scale = 1.0
                // Grow; if the layer came out short (tiny or oddly shaped regions), grow again a little denser.
                for _ in 0..<4 {
                    grow(region: r, layer: layerIndex, radiusScale: scale, rng: &rng)
                    if countAlive(region: r) >= target { break }
                    scale *= 0.93
                    // Smaller radii need smaller cells to keep one dot per cell.
                    rebuildGrid(scale: scale)
                }
                let excess = countAlive(region: r) - max(target, existing)
                if excess > 0 { eliminate(excess, region: r, from: firstNew) }
                relax(region: r, from: firstNew)
            }
        }
        addSentinels()
    }

    func countAlive(region r: Int) -> Int {
        var n = 0
        for i in 0..<xs.count where alive[i] && region[i] == Int32(r) { n += 1 }
        return n
    }

    /// Fresh single-occupancy grid for the current layer's smallest radius, holding every live dot.
    mutating func rebuildGrid(scale: Double = 1) {
        let maxDensity = densityPerMM2.max() ?? 1
        let finest = scale * DotGenerator.kappa / (maxDensity * fraction).squareRoot()
        let cell = finest / 2.0.squareRoot()
        let width = Double(raster.columns) * raster.cell
        let height = Double(raster.rows) * raster.cell
        grid = PointGrid(
            origin: raster.origin, cell: cell, columns: Int(width / cell) + 2, rows: Int(height / cell) + 2)
        for i in 0..<xs.count where alive[i] { grid.insert(Int32(i), at: Point(xs[i], ys[i])) }
    }

    /// The map density at p and the radius a new dot there needs in this layer (nil where region r takes no dot).
    @inline(__always)
    func radius(at p: Point, region r: Int, scale: Double) -> (density: Double, radius: Double)? {
        guard raster.region(at: p) == r else { return nil }
        let d = mapDensity(at: p, region: r)
        guard d > 0 else { return nil }
        return (d, scale * DotGenerator.kappa / (d * fraction).squareRoot())
    }

    @inline(__always)
    func accepts(_ p: Point, radius: Double) -> Bool {
        if grid.firstWithin(p, radius: radius, xs: xs, ys: ys) != nil { return false }
        return !hairs.blocks(p)
    }

    mutating func add(_ p: Point, region r: Int, layer: Int, density: Double, isSentinel: Bool = false) -> Int32 {
        let index = Int32(xs.count)
        mapDensity.append(density)
        xs.append(p.x)
        ys.append(p.y)
        region.append(Int32(r))
        self.layer.append(Int8(layer))
        alive.append(true)
        sentinel.append(isSentinel)
        grid.insert(index, at: p)
        return index
    }

    /// Bridson growth from every live dot of the region, then a sweep over the grid to seed unreached parts.
    mutating func grow(region r: Int, layer layerIndex: Int, radiusScale: Double, rng: inout SeededGenerator) {
        var active: [Int32] = []
        for i in 0..<xs.count where alive[i] && region[i] == Int32(r) { active.append(Int32(i)) }
        growFrom(&active, region: r, layer: layerIndex, scale: radiusScale, rng: &rng)
        guard let box = plan.regions[r].shape.bounds else { return }
        let (c0, r0) = grid.cellOf(Point(box.minX, box.minY))
        let (c1, r1) = grid.cellOf(Point(box.maxX, box.maxY))
        for row in max(0, r0)...min(grid.rows - 1, r1) {
            for column in max(0, c0)...min(grid.columns - 1, c1) where grid.single[row * grid.columns + column] < 0 {
                let p = Point(
                    grid.origin.x + (Double(column) + rng.unit()) * grid.cell,
                    grid.origin.y + (Double(row) + rng.unit()) * grid.cell)
                guard let (density, rp) = radius(at: p, region: r, scale: radiusScale), accepts(p, radius: rp)
                else { continue }
                active.append(add(p, region: r, layer: layerIndex, density: density))
                growFrom(&active, region: r, layer: layerIndex, scale: radiusScale, rng: &rng)
            }
        }
    }

    mutating func growFrom(
        _ active: inout [Int32], region r: Int, layer layerIndex: Int, scale: Double, rng: inout SeededGenerator
    ) {
        let directions = DotGenerator.directions
        let step = directions.count / DotGenerator.attempts
        while !active.isEmpty {
            let pick = Int(rng.next() % UInt64(active.count))
            let i = Int(active[pick])
            let p = Point(xs[i], ys[i])
            let density = mapDensity[i] * fraction
            let rp = density > 0 ? scale * DotGenerator.kappa / density.squareRoot() : 0
            var placed = false
            if rp > 0 {
                // Candidates just outside the radius at evenly spaced directions from a random start (Roberts'
                // variant of Bridson): denser packing and fewer attempts. Directions come from a table built with
                // the portable sine, radii get a little jitter so that no lattice forms.
                let start = Int(rng.next() % UInt64(directions.count))
                for attempt in 0..<DotGenerator.attempts {
                    let direction = directions[(start + attempt * step) % directions.count]
                    let distance = rp * (1.000_001 + DotGenerator.radiusJitter * rng.unit())
                    let dx = direction.x * distance
                    let dy = direction.y * distance
                    let c = Point(p.x + dx, p.y + dy)
                    // Most candidates fail; an occupied cell of c's own fails them before any map lookup (the
                    // grid's cell diagonal is the layer's smallest radius, so that dot is always too close).
                    guard grid.isFree(c) else { continue }
                    guard let (density, rc) = radius(at: c, region: r, scale: scale), accepts(c, radius: rc)
                    else { continue }
                    active.append(add(c, region: r, layer: layerIndex, density: density))
                    placed = true
                    break
                }
            }
            if !placed {
                active.swapAt(pick, active.count - 1)
                active.removeLast()
            }
        }
    }

    /// Weighted sample elimination (Yuksel 2015) among the dots added since `firstNew`: repeatedly drop the dot
    /// whose neighbourhood is most crowded, with weight (1 - d / 2 r_max)^8 per neighbour closer than 2 r_max,
    /// r_max = sqrt(1 / (2 sqrt 3 rho)) being the hexagonal-packing radius at the target density.
    mutating func eliminate(_ count: Int, region r: Int, from firstNew: Int) {
        let candidates = (firstNew..<xs.count).filter { alive[$0] && region[$0] == Int32(r) }
        guard !candidates.isEmpty else { return }
        var local = [Int32](repeating: -1, count: xs.count - firstNew)
        for (k, i) in candidates.enumerated() { local[i - firstNew] = Int32(k) }
        let hexFactor = 1 / (2 * 3.0.squareRoot())
        var twoRMax = [Double](repeating: 0, count: candidates.count)
        var weights = [Double](repeating: 0, count: candidates.count)
        for (k, i) in candidates.enumerated() {
            let p = Point(xs[i], ys[i])
            let density = max(mapDensity[i] * fraction, 1e-9)
            let reach = 2 * (hexFactor / density).squareRoot()
            twoRMax[k] = reach
            var w = 0.0
            grid.forEachWithin(p, radius: reach, xs: xs, ys: ys) { j, d2 in
                if j == i { return }
                let t = 1 - d2.squareRoot() / reach
                let t2 = t * t
                let t4 = t2 * t2
                w += t4 * t4
            }
            weights[k] = w
        }
        var heap = IndexedMaxHeap(keys: weights)
        for _ in 0..<count {
            guard let k = heap.popMax() else { break }
            let i = candidates[k]
            let p = Point(xs[i], ys[i])
            alive[i] = false
            grid.remove(Int32(i), at: p)
            grid.forEachWithin(p, radius: twoRMax[k] * 1.5, xs: xs, ys: ys) { j, d2 in
                guard j >= firstNew else { return }
                let kj = Int(local[j - firstNew])
                guard kj >= 0, heap.contains(kj) else { return }
                let d = d2.squareRoot()
                guard d < twoRMax[kj] else { return }
                let t = 1 - d / twoRMax[kj]
                let t2 = t * t
                let t4 = t2 * t2
                heap.decrease(kj, by: t4 * t4)
            }
        }
    }

    /// Spreads the closest pairs of the new layer apart: each new dot whose nearest neighbour is nearer than
    /// `DotGenerator.relaxTarget` hexagonal radii steps away from it, and keeps the step only if its nearest
    /// neighbour is then farther than before (so the minimum spacing never shrinks) and it stays in its region
    /// and clear of hairs. Bridson with elimination packs at rho ~0.755; this lifts the worst pairs to ~0.78
    /// without approaching a lattice, because only dots nearer than the target move and only a little.
    /// A pass after the first visits only the dots that were still crowded (in practice nearly all of them, so
    /// every pass costs about the same: hence few passes).
    mutating func relax(region r: Int, from firstNew: Int) {
        let hexFactor = 1 / (2 * 3.0.squareRoot())
        var crowded = (firstNew..<xs.count).filter { alive[$0] && region[$0] == Int32(r) }
        var stillCrowded: [Int] = []
        for _ in 0..<DotGenerator.relaxIterations {
            var moved = 0
            stillCrowded.removeAll(keepingCapacity: true)
            for i in crowded {
                let p = Point(xs[i], ys[i])
                let density = mapDensity[i] * fraction
                guard density > 0 else { continue }
                let target = DotGenerator.relaxTarget * 2 * (hexFactor / density).squareRoot()
                // One walk over the neighbourhood finds the nearest neighbour and sums the repulsion from every
                // neighbour nearer than the target, each in proportion to its shortfall.
                var nearest2 = Double.infinity
                var pushX = 0.0
                var pushY = 0.0
                grid.forEachWithin(p, radius: target, xs: xs, ys: ys) { j, d2 in
                    guard j != i, d2 > 0 else { return }
                    nearest2 = min(nearest2, d2)
                    let dj = d2.squareRoot()
                    let weight = (target - dj) / dj
                    pushX += (p.x - xs[j]) * weight
                    pushY += (p.y - ys[j]) * weight
                }
                guard nearest2 < Double.infinity else { continue }
                stillCrowded.append(i)
                let d = nearest2.squareRoot()
                grid.remove(Int32(i), at: p)
                var accepted = false
                var factor = 0.5
                for _ in 0..<3 {
                    let candidate = Point(p.x + pushX * factor, p.y + pushY * factor)
                    factor *= 0.5
                    guard raster.region(at: candidate) == r, !hairs.blocks(candidate), grid.isFree(candidate),
                        grid.firstWithin(candidate, radius: d, xs: xs, ys: ys) == nil
                    else { continue }
                    let candidateDensity = mapDensity(at: candidate, region: r)
                    guard candidateDensity > 0 else { continue }
                    mapDensity[i] = candidateDensity
                    xs[i] = candidate.x
                    ys[i] = candidate.y
                    grid.insert(Int32(i), at: candidate)
                    accepted = true
                    moved += 1
                    break
                }
                if !accepted { grid.insert(Int32(i), at: p) }
            }
            if moved == 0 { break }
            swap(&crowded, &stillCrowded)
        }
    }

    /// The nearest live dot to p closer than `radius`, other than `excluding`.
    func nearest(to p: Point, within radius: Double, excluding: Int) -> (Point, Double)? {
        var best = radius * radius
        var found = -1
        grid.forEachWithin(p, radius: radius, xs: xs, ys: ys) { j, d2 in
            if j != excluding && (d2 < best || (d2 == best && j < found)) {
                best = d2
                found = j
            }
        }
        return found >= 0 ? (Point(xs[found], ys[found]), best.squareRoot()) : nil
    }

    /// A few isolated dots in front of the hairline, in the last session (the finishing touch).
    mutating func addSentinels() {
        guard let hairline else { return }
        let spec = hairline.spec
        let count = Int((hairline.line.length / 100 * spec.sentinelsPer100MM).rounded())
        guard count > 0 else { return }
        var rng = SeededGenerator(seed: plan.seed, stream: 0x5345_4E54)  // "SENT"
        let r = spec.regionIndex
        let frontDensity = densityPerMM2[r] * spec.frontDensityFraction
        // Sentinels stand alone: keep 1.5 times the front's spacing from any dot and from each other.
        let spacing = 1.5 * DotGenerator.kappa / frontDensity.squareRoot()
        let layerIndex = plan.session.count - 1
        for _ in 0..<count {
            for _ in 0..<50 {
                let s = rng.unit() * hairline.line.length
                let ahead = 0.5 + rng.unit() * (spec.sentinelDepthMM - 0.5)
                let p = hairline.sentinel(at: s, ahead: ahead)
                guard p.x >= 0, p.y >= 0, p.x <= plan.board.x.travelMM, p.y <= plan.board.y.travelMM else { continue }
                let owner = raster.region(at: p)
                guard owner == nil || owner == r else { continue }
                guard !hairs.blocks(p) else { continue }
                // A wide sentinel spacing may reach past the single-occupancy grid's cells: check by brute force.
                let s2 = spacing * spacing
                var clear = true
                for i in 0..<xs.count where alive[i] {
                    let dx = xs[i] - p.x
                    let dy = ys[i] - p.y
                    if dx * dx + dy * dy < s2 {
                        clear = false
                        break
                    }
                }
                guard clear else { continue }
                _ = add(p, region: r, layer: layerIndex, density: frontDensity, isSentinel: true)
                break
            }
        }
    }

    /// Live dots with ids in generation order.
    func result() -> [PlannedDot] {
        var dots: [PlannedDot] = []
        dots.reserveCapacity(xs.count)
        for i in 0..<xs.count where alive[i] {
            dots.append(
                PlannedDot(
                    id: dots.count + 1, position: Point(xs[i], ys[i]), regionIndex: Int(region[i]),
                    session: Int(layer[i]) + 1, isSentinel: sentinel[i]))
        }
        return dots
    }
}
