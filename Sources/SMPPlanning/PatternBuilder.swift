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
    /// The density integral (all sessions, dots) of each region over its tiles.
    let tileIntegrals: [TileIntegrals]
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
        // Padded so that every region's ghost zone (at its first, sparsest layer; the zone reaches up to 1.7
        // margins) lies on the raster and the grid.
        let firstFraction = plan.session.fractions.first ?? 1
        let fadeBands = plan.regions.map { r in
            r.feather.map { PatternBuilder.ghostMargin(density: r.densityPerCM2 / 100 * $0.endFraction, scale: 1) } ?? 0
        }
        let padding = max(
            1.8
                * (plan.regions.map {
                    PatternBuilder.ghostMargin(density: $0.densityPerCM2 / 100 * firstFraction, scale: 1)
                }.max() ?? 0),
            (fadeBands.max() ?? 0) + 1)
        let raster = RegionRaster(
            regions: plan.regions, cell: min(0.5, max(0.05, finestRadius / 2)), padding: padding)
        let hairs = HairIndex(hairs: plan.existingHairs, clearance: plan.hairClearanceMM)
        let hairline = plan.hairline.map {
            HairlineField(spec: $0, region: plan.regions[$0.regionIndex].shape, seed: plan.seed, parallel: parallel)
        }
        let edges = plan.regions.indices.map { r -> EdgeField? in
            let neighbours = plan.blends.filter { $0.first == r || $0.second == r }.map { blend in
                let other = blend.first == r ? blend.second : blend.first
                return (
                    shape: plan.regions[other].shape,
                    ratio: plan.regions[other].densityPerCM2 / plan.regions[r].densityPerCM2, band: blend.bandMM
                )
            }
            guard plan.regions[r].feather != nil || !neighbours.isEmpty else { return nil }
            return EdgeField(
                region: plan.regions[r].shape, feather: plan.regions[r].feather, neighbours: neighbours,
                seed: plan.seed, stream: 0x4645_4154_0000 + UInt64(r), padding: padding, fadeBand: fadeBands[r],
                parallel: parallel)
        }
        field = SamplingField(
            raster: raster, hairs: hairs, hairline: hairline,
            densityPerMM2: plan.regions.map { $0.densityPerCM2 / 100 },
            edges: edges)
        grid = SamplingGrid(origin: .init(0, 0), finestRadius: 1, columns: 1, rows: 1)
        tileIntegrals = PatternBuilder.integrate(field: field, regions: plan.regions, parallel: parallel)
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

    static let ghostMarginRadii = 2.5
    /// How far past a region's edge growth continues with ghost dots (`GhostZone`) at a layer density (dots per
    /// mm^2): `ghostMarginRadii` radii, beyond the reach of elimination's weights (1.3 radii) and of the ordering a wall imposes
    /// on Poisson-disk growth (about two spacings).
    static func ghostMargin(density: Double, scale: Double) -> Double {
        ghostMarginRadii * scale * DotGenerator.kappa / density.squareRoot()
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
        let zone = GhostZone(
            shape: plan.regions[r].shape,
            margin: PatternBuilder.ghostMargin(density: field.densityPerMM2[r] * fraction, scale: layerScale))
        let needed = max(assignTargets(&strips, region: r, committed: committed), committed.count)
        let seedColumns =
            Int(
                (1.2 * DotGenerator.kappa / (field.sparsestDensity(region: r) * fraction).squareRoot()
                    / grid.cell).rounded(.up)) + 1

        let borrowed = borderSeeds(region: r, zone: zone)
        for parity in 0..<2 {
            for s in stride(from: parity, to: strips.count, by: 2) {
                strips[s].seeds = seeds(
                    near: strips[s], committed: committed, borrowed: borrowed, strips: strips, columns: seedColumns)
            }
            let (field, grid) = (field, grid)
            let layerScale = layerScale
            runPhase(&strips, parity: parity) {
                $1.grow(field: field, zone: zone, grid: grid, box: box, scale: layerScale)
            }
        }

        var alive = committed.count + strips.reduce(0) { $0 + $1.aliveCount }
        if alive < needed {
            // Grew short (tiny or oddly shaped regions): regrow the region as one strip, a little denser each
            // time, with smaller cells to keep one dot per cell.
            var whole = StripSampler(
                region: r, layer: layerIndex, fraction: fraction, columns: 0..<Int.max,
                firstSlot: takeSlots(grid.columns), rng: SeededGenerator(seed: plan.seed, stream: stream + 0xFFFF))
            for strip in strips { whole.adopt(strip) }
            _ = assignTargets(&whole, region: r, committed: committed)
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
                whole.grow(field: field, zone: zone, grid: grid, box: box, scale: scale)
                alive = committed.count + whole.aliveCount
            }
            whole.eliminate(alive - needed, grid: grid, field: field)
            commit([whole])
            return
        }

        let removals = balanceTiles(&strips, surplus: alive - needed)
        let (grid, field) = (grid, field)
        for parity in 0..<2 {
            runPhase(&strips, parity: parity) { $1.eliminate(removals[$0], grid: grid, field: field) }
        }
        commit(strips)
    }

    /// Growth seeds from the committed dots of the regions region r blends with, within its ghost band, at r's
    /// own map: r then grows outwards from the border its partner has already filled, as one pattern across
    /// it. Growing towards those fixed dots instead, r's fronts met them with gaps too narrow for a dot and
    /// too wide for the density (4 mm inside the border 3 % short, the next 4 mm 2 % over from the tiles
    /// that covered for them).
    func borderSeeds(region r: Int, zone: GhostZone) -> [GrowthSeed] {
        let partners = Set(
            plan.blends.compactMap { $0.first == r ? $0.second : ($0.second == r ? $0.first : nil) }.map(Int32.init))
        guard !partners.isEmpty else { return [] }
        return xs.indices.compactMap { i in
            guard partners.contains(region[i]), !sentinel[i] else { return nil }
            let p = Point(xs[i], ys[i])
            guard zone.ghostWeight(at: p) > 0 else { return nil }
            let d = field.mapDensity(at: p, region: r)
            return d > 0 ? GrowthSeed(x: p.x, y: p.y, density: d) : nil
        }
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
    /// strip's range includes), and takes their ghosts off the grid.
    mutating func commit(_ strips: [StripSampler]) {
        let added = strips.reduce(0) { $0 + $1.aliveCount }
        xs.reserveCapacity(xs.count + added)
        ys.reserveCapacity(ys.count + added)
        region.reserveCapacity(region.count + added)
        layer.reserveCapacity(layer.count + added)
        sentinel.reserveCapacity(sentinel.count + added)
        for strip in strips {
            for k in strip.xs.indices where strip.alive[k] {
                if strip.ghost[k] {
                    grid.remove(at: Point(strip.xs[k], strip.ys[k]))
                    continue
                }
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
        let frontDensity = field.densityPerMM2[r] * spec.frontDensityFraction
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
