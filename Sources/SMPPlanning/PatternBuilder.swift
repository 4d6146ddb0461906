import Dispatch
import SMPHardware

/// The working state of `DotGenerator`: the committed dots (structure of arrays), the sampling grid of the
/// current session layer, and each region's density integral.
///
/// Each (layer, region) is sampled in vertical strips of grid columns, each wider than anything a strip reads
/// beyond its own columns (`reach(region:scale:)`). Even strips run first, in parallel, then odd strips, which
/// grow on from their neighbours' dots exactly as Bridson grows on from any existing dot. Every strip draws from
/// its own random stream, writes only its own columns, and reads only columns no other strip of its phase
/// writes, so the dots are the same for any number of threads (`parallel: false` runs the same phases on one
/// thread; a test holds the two equal).
struct PatternBuilder {
    let plan: Plan
    let field: SamplingField
    /// The density integral (all sessions, dots) of each region over each column of the ownership raster.
    let columnIntegrals: [[Double]]
    let parallel: Bool

    var xs: [Double] = []
    var ys: [Double] = []
    var region: [Int32] = []
    var layer: [Int8] = []
    var sentinel: [Bool] = []
    var grid: SamplingGrid
    var fraction = 1.0
    var layerScale = 1.0
    /// 1 in use; tests set it above 1 so that growth falls short and the regrowth path runs.
    var radiusScale = 1.0
    /// The next free grid slot (`takeSlots`); a rebuilt grid starts again from 0.
    var nextSlot: Int32 = 0

    var raster: RegionRaster { field.raster }
    /// Strips at least this many grid columns wide (~11 mm at 150 dots/cm2): a strip's grid cells and dots stay
    /// in the core's own cache while it works, and the phases have a few strips each to share between cores.
    static let minimumStripColumns = 24

    init(plan: Plan, parallel: Bool = true) {
        self.plan = plan
        self.parallel = parallel
        let maxDensity = plan.regions.map(\.densityPerCM2).max() ?? 100
        let finestRadius = DotGenerator.kappa / (maxDensity / 100).squareRoot()
        // Raster cells half the finest radius. Cells an edge crosses get exact region tests and 2 x 2 samples in
        // the density integral, so the cell size sets no boundary error.
        let raster = RegionRaster(regions: plan.regions, cell: min(0.5, max(0.05, finestRadius / 2)))
        let hairs = HairIndex(hairs: plan.existingHairs, clearance: plan.hairClearanceMM)
        let hairline = plan.hairline.map {
            HairlineField(spec: $0, region: plan.regions[$0.regionIndex].shape, seed: plan.seed, parallel: parallel)
        }
        field = SamplingField(
            raster: raster, hairs: hairs, hairline: hairline, densityPerMM2: plan.regions.map { $0.densityPerCM2 / 100 }
        )
        grid = SamplingGrid(origin: .init(0, 0), finestRadius: 1, columns: 1, rows: 1)
        columnIntegrals = PatternBuilder.integrate(field: field, regions: plan.regions.count, parallel: parallel)
    }

    /// Integral of the density map over each region's owned cells (cell centres; 4 samples in cells an edge
    /// crosses), skipping hair clearance, per raster column.
    static func integrate(field: SamplingField, regions: Int, parallel: Bool) -> [[Double]] {
        let raster = field.raster
        let bands = ChunkedWork.map(raster.rows, parallel: parallel) { rows in
            var sums = [Double](repeating: 0, count: regions * raster.columns)
            let area = raster.cell * raster.cell
            // Local copies and an unsafe view: the loop runs on several threads at once, and reference counting
            // on the shared arrays (one atomic counter bounced between cores) would cost more than the loop.
            let (field, raster) = (field, raster)
            let noHairs = field.hairs.isEmpty
            raster.owner.withUnsafeBufferPointer { owner in
                for row in rows {
                    // Most rows of a large region are past the hairline ramp and hold no hairs: there each interior
                    // cell adds its region's plain density, the same value mapDensity would return.
                    let plainRow = noHairs && field.isUniform(atY: raster.centre(0, row).y)
                    for column in 0..<raster.columns {
                        let o = owner[row * raster.columns + column]
                        if o == RegionRaster.outside { continue }
                        if plainRow && o != RegionRaster.boundary {
                            sums[Int(o) * raster.columns + column] += field.densityPerMM2[Int(o)] * area
                            continue
                        }
                        let c = raster.centre(column, row)
                        if o == RegionRaster.boundary {
                            // A region edge crosses the cell: 2 x 2 exact samples, so the integral does not take
                            // the centre for the whole cell.
                            for k in 0..<4 {
                                let s = Point(
                                    c.x + (Double(k % 2) - 0.5) * 0.5 * raster.cell,
                                    c.y + (Double(k / 2) - 0.5) * 0.5 * raster.cell)
                                guard let index = raster.exactRegion(at: s), !field.hairs.blocks(s) else { continue }
                                sums[index * raster.columns + column] +=
                                    field.mapDensity(at: s, region: index) * area / 4
                            }
                            continue
                        }
                        let index = Int(o)
                        if field.hairs.blocks(c) { continue }
                        sums[index * raster.columns + column] += field.mapDensity(at: c, region: index) * area
                    }
                }
            }
            return sums
        }
        // Bands added in order: the same sums on any number of cores.
        var total = [Double](repeating: 0, count: regions * raster.columns)
        for band in bands { for i in total.indices { total[i] += band[i] } }
        return (0..<regions).map { Array(total[($0 * raster.columns)..<(($0 + 1) * raster.columns)]) }
    }

    mutating func run() {
        for (layerIndex, f) in plan.session.fractions.enumerated() {
            fraction = f
            layerScale = (layerIndex == 0 ? 1 : DotGenerator.laterLayerScale) * radiusScale
            rebuildGrid(scale: layerScale)
            for r in raster.priorityOrder { sample(region: r, layer: layerIndex) }
        }
        addSentinels()
    }

    /// Fresh grid for the current layer's smallest radius (times `scale`), holding every committed dot.
    mutating func rebuildGrid(scale: Double) {
        let maxDensity = field.densityPerMM2.max() ?? 1
        let finest = scale * DotGenerator.kappa / (maxDensity * fraction).squareRoot()
        let cell = finest / 2.0.squareRoot()
        let width = Double(raster.columns) * raster.cell
        let height = Double(raster.rows) * raster.cell
        grid = SamplingGrid(
            origin: raster.origin, finestRadius: finest, columns: Int(width / cell) + 2, rows: Int(height / cell) + 2)
        nextSlot = 0
        for i in xs.indices { grid.insert(SamplingGrid.committedSlot, at: Point(xs[i], ys[i])) }
    }

    /// How far (mm) a strip's work reaches beyond its columns, at the region's sparsest density: a candidate lies
    /// up to 1.15 radii from its seed and is tested against dots one radius farther (2.15 kappa / sqrt(density));
    /// elimination updates neighbours within 1.5 x 2 r_max (1.61 / sqrt(density)).
    func reach(region r: Int, scale: Double) -> Double {
        2.2 * scale * DotGenerator.kappa / (field.sparsestDensity(region: r) * fraction).squareRoot()
    }

    /// The column bands of region r's strips: each wider than the reach plus a cell, and at least
    /// `minimumStripColumns` for cache locality; the outer strips extend to the grid's edges.
    func stripColumns(region r: Int, box: Rect, scale: Double) -> [Range<Int>] {
        let reachColumns = Int((reach(region: r, scale: scale) / grid.cell).rounded(.up)) + 1
        let width = max(reachColumns + 1, PatternBuilder.minimumStripColumns)
        let b0 = min(max(grid.column(box.minX), 0), grid.columns - 1)
        let b1 = min(max(grid.column(box.maxX), b0), grid.columns - 1)
        let span = b1 - b0 + 1
        // A multiple of four strips where there is room: each phase then has an even number to share between
        // cores (a fixed rule, not the machine's core count, so that the dots do not depend on the machine).
        let fitting = max(1, span / width)
        let count = fitting >= 4 ? fitting - fitting % 4 : fitting
        var bounds = (0...count).map { b0 + span * $0 / count }
        bounds[0] = 0
        bounds[count] = grid.columns
        return (0..<count).map { bounds[$0]..<bounds[$0 + 1] }
    }

    /// Samples region r's dots of one layer: strips grow, then eliminate down to their share, in two phases each;
    /// a region that grew short is regrown as one strip with smaller radii.
    mutating func sample(region r: Int, layer layerIndex: Int) {
        guard let box = plan.regions[r].shape.bounds else { return }
        let columns = stripColumns(region: r, box: box, scale: layerScale)
        let stream = UInt64(layerIndex * 4096 + r + 1) << 16
        var strips = columns.enumerated().map { s, band in
            StripSampler(
                region: r, layer: layerIndex, fraction: fraction, columns: band, firstSlot: takeSlots(band.count),
                rng: SeededGenerator(seed: plan.seed, stream: stream + UInt64(s)))
        }
        let committed = xs.indices.filter { region[$0] == Int32(r) }
        assignTargets(&strips, region: r, committed: committed)
        let seedColumns =
            Int(
                (1.2 * DotGenerator.kappa / (field.sparsestDensity(region: r) * fraction).squareRoot()
                    / grid.cell).rounded(.up)) + 1

        for parity in 0..<2 {
            for s in stride(from: parity, to: strips.count, by: 2) {
                strips[s].seeds = seeds(near: strips[s], committed: committed, strips: strips, columns: seedColumns)
            }
            let (field, grid) = (field, grid)
            let layerScale = layerScale
            runPhase(&strips, parity: parity) { $1.grow(field: field, grid: grid, box: box, scale: layerScale) }
        }

        let needed = max(Int((fraction * columnIntegrals[r].reduce(0, +)).rounded()), committed.count)
        var alive = committed.count + strips.reduce(0) { $0 + $1.aliveCount }
        if alive < needed {
            // Grew short (tiny or oddly shaped regions): regrow the region as one strip, a little denser each
            // time, with smaller cells to keep one dot per cell.
            var whole = StripSampler(
                region: r, layer: layerIndex, fraction: fraction, columns: 0..<Int.max,
                firstSlot: takeSlots(grid.columns), rng: SeededGenerator(seed: plan.seed, stream: stream + 0xFFFF))
            for strip in strips { whole.adopt(strip) }
            var scale = layerScale
            for _ in 0..<3 where alive < needed {
                scale *= 0.93
                // Smaller cells: the whole strip's dots may take more slots than its first grid had cells.
                rebuildGrid(scale: scale)
                whole = whole.renumbered(firstSlot: takeSlots(grid.columns))
                whole.insertAll(into: grid)
                whole.seeds =
                    committed.map { GrowthSeed(x: xs[$0], y: ys[$0], density: densityOfCommitted($0)) }
                    + whole.liveSeeds
                whole.grow(field: field, grid: grid, box: box, scale: scale)
                alive = committed.count + whole.aliveCount
            }
            whole.eliminate(alive - needed, grid: grid)
            commit([whole])
            return
        }

        let removals = PatternBuilder.removals(
            existing: strips.map(\.existing), grown: strips.map(\.aliveCount), shares: strips.map(\.target),
            surplus: alive - needed)
        let grid = grid
        for parity in 0..<2 { runPhase(&strips, parity: parity) { $1.eliminate(removals[$0], grid: grid) } }
        commit(strips)
    }

    /// Each strip's share of the layer's dots: the region's target split by the density integral over the
    /// strips' columns (rounded cumulatively, so the shares add up to the region's target exactly), and the
    /// earlier layers' dots already in each strip.
    func assignTargets(_ strips: inout [StripSampler], region r: Int, committed: [Int]) {
        var integrals = [Double](repeating: 0, count: strips.count)
        var s = 0
        for (column, value) in columnIntegrals[r].enumerated() where value > 0 {
            let gridColumn = grid.column(raster.centre(column, 0).x)
            while s + 1 < strips.count && gridColumn >= strips[s].endColumn { s += 1 }
            integrals[s] += value
        }
        var cumulative = 0.0
        var previous = 0
        for s in strips.indices {
            cumulative += integrals[s]
            let rounded = Int((fraction * cumulative).rounded())
            strips[s].target = rounded - previous
            previous = rounded
        }
        for i in committed {
            let column = grid.column(xs[i])
            if let s = strips.firstIndex(where: { $0.owns(column: column) }) { strips[s].existing += 1 }
        }
    }

    /// How many dots each strip removes so that the region ends with exactly its target (`surplus` fewer than
    /// it holds): each strip its own excess over its share (or over the earlier layers' dots it holds, if more),
    /// then the difference (strips that grew short, or held more earlier dots than their share) spread one dot at
    /// a time over the strips in order. A strip never removes more than it grew.
    static func removals(existing: [Int], grown: [Int], shares: [Int], surplus: Int) -> [Int] {
        var removal = existing.indices.map { max(0, existing[$0] + grown[$0] - max(shares[$0], existing[$0])) }
        var difference = surplus - removal.reduce(0, +)
        while difference < 0 {
            for s in removal.indices where removal[s] > 0 && difference < 0 {
                removal[s] -= 1
                difference += 1
            }
        }
        while difference > 0 {
            for s in removal.indices where removal[s] < grown[s] && difference > 0 {
                removal[s] += 1
                difference -= 1
            }
        }
        return removal
    }

    /// Growth seeds for a strip: the region's committed dots and its neighbour strips' new dots within
    /// `columns` of its band.
    func seeds(near strip: StripSampler, committed: [Int], strips: [StripSampler], columns: Int) -> [GrowthSeed] {
        let low = strip.firstColumn - columns
        let high = strip.endColumn + columns
        var seeds: [GrowthSeed] = []
        for i in committed {
            let c = grid.column(xs[i])
            if c >= low && c < high { seeds.append(GrowthSeed(x: xs[i], y: ys[i], density: densityOfCommitted(i))) }
        }
        for other in strips where other.firstColumn != strip.firstColumn {
            guard other.endColumn > low && other.firstColumn < high else { continue }
            for k in other.xs.indices where other.alive[k] {
                let c = grid.column(other.xs[k])
                if c >= low && c < high {
                    seeds.append(GrowthSeed(x: other.xs[k], y: other.ys[k], density: other.density[k]))
                }
            }
        }
        return seeds
    }

    /// The map density at a committed dot (sentinels aside, every committed dot lies where its region's map is
    /// positive).
    func densityOfCommitted(_ i: Int) -> Double {
        field.mapDensity(at: Point(xs[i], ys[i]), region: Int(region[i]))
    }

    /// Runs `work` on the strips of one parity: in parallel when allowed (they never touch each other's
    /// columns), else in order.
    func runPhase(
        _ strips: inout [StripSampler], parity: Int, _ work: @Sendable (Int, inout StripSampler) -> Void
    ) {
        let indices = Array(stride(from: parity, to: strips.count, by: 2))
        strips.withUnsafeMutableBufferPointer { buffer in
            guard parallel && indices.count > 1, let base = buffer.baseAddress else {
                for s in indices { work(s, &buffer[s]) }
                return
            }
            let phase = PhaseStrips(base: base)
            DispatchQueue.concurrentPerform(iterations: indices.count) { work(indices[$0], &phase.base[indices[$0]]) }
        }
    }

    /// The strips of a phase, handed to worker threads: each iteration takes a different strip, and strips of one
    /// phase share no grid cells they write (see `stripColumns`), which is what makes this safe.
    private struct PhaseStrips: @unchecked Sendable {
        let base: UnsafeMutablePointer<StripSampler>
    }

    /// Reserves grid slots for a strip of `columns` grid columns: one per cell it could fill.
    mutating func takeSlots(_ columns: Int) -> Int32 {
        let first = nextSlot
        let count = min(columns, grid.columns) * grid.rows
        precondition(Int(first) + count < Int(Int32.max), "PatternBuilder: grid slots exhausted")
        nextSlot += Int32(count)
        return first
    }

    /// Appends the strips' live dots, in strip order (their grid cells keep the strips' slots, which no later
    /// strip's range includes).
    mutating func commit(_ strips: [StripSampler]) {
        let added = strips.reduce(0) { $0 + $1.aliveCount }
        xs.reserveCapacity(xs.count + added)
        ys.reserveCapacity(ys.count + added)
        region.reserveCapacity(region.count + added)
        layer.reserveCapacity(layer.count + added)
        sentinel.reserveCapacity(sentinel.count + added)
        for strip in strips {
            for k in strip.xs.indices where strip.alive[k] {
                xs.append(strip.xs[k])
                ys.append(strip.ys[k])
                region.append(Int32(strip.region))
                layer.append(Int8(strip.layer))
                sentinel.append(false)
            }
        }
    }

    /// A few isolated dots in front of the hairline, in the last session (the finishing touch).
    mutating func addSentinels() {
        guard let hairline = field.hairline else { return }
        let spec = hairline.spec
        let count = Int((hairline.line.length / 100 * spec.sentinelsPer100MM).rounded())
        guard count > 0 else { return }
        var rng = SeededGenerator(seed: plan.seed, stream: 0x5345_4E54)  // "SENT"
        let r = spec.regionIndex
        let frontDensity = field.sparsestDensity(region: r)
        // Sentinels stand alone: keep 1.5 times the front's spacing from any dot and from each other.
        let spacing = 1.5 * DotGenerator.kappa / frontDensity.squareRoot()
        let layerIndex = plan.session.count - 1
        var placed: [Point] = []
        for _ in 0..<count {
            for _ in 0..<50 {
                let s = rng.nextUnit() * hairline.line.length
                let ahead = 0.5 + rng.nextUnit() * (spec.sentinelDepthMM - 0.5)
                let p = hairline.sentinel(at: s, ahead: ahead)
                guard p.x >= 0, p.y >= 0, p.x <= plan.board.axes.x.travelMM, p.y <= plan.board.axes.y.travelMM else {
                    continue
                }
                let owner = raster.region(at: p)
                guard owner == nil || owner == r else { continue }
                guard !field.hairs.blocks(p) else { continue }
                // The grid holds every other dot (its neighbourhood test walks as many cells as the spacing
                // needs); sentinels may lie off the grid, so they are checked against each other directly.
                guard !grid.anyWithin(p, radius: spacing),
                    !placed.contains(where: { $0.distance(to: p) < spacing })
                else { continue }
                placed.append(p)
                xs.append(p.x)
                ys.append(p.y)
                region.append(Int32(r))
                layer.append(Int8(layerIndex))
                sentinel.append(true)
                break
            }
        }
    }

    /// The dots with ids in generation order.
    func result() -> [PlannedDot] {
        xs.indices.map { i in
            PlannedDot(
                id: i + 1, position: Point(xs[i], ys[i]), regionIndex: Int(region[i]), session: Int(layer[i]) + 1,
                isSentinel: sentinel[i])
        }
    }
}
