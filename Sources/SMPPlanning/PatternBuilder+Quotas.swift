import Dispatch
import SMPHardware

extension PatternBuilder {
    /// Each strip's tiles and its share of the layer's dots: every tile's quota is the region's target split by
    /// the density integral over the tiles (rounded cumulatively in strip and tile order, so the quotas add up to
    /// the region's target exactly), a strip's share the sum of its tiles'; and the earlier layers' dots already
    /// in each strip and tile. Returns the region's target.
    func assignTargets(_ strips: inout [StripSampler], region r: Int, committed: [Int]) -> Int {
        let integrals = tileIntegrals[r]
        // The raster columns of each strip: those whose centres lie in its grid columns.
        var low = [Int](repeating: Int.max, count: strips.count)
        var high = [Int](repeating: Int.min, count: strips.count)
        var s = 0
        for column in integrals.firstColumn..<(integrals.firstColumn + integrals.columns) {
            let gridColumn = grid.column(raster.centre(column, 0).x)
            while s + 1 < strips.count && gridColumn >= strips[s].endColumn { s += 1 }
            low[s] = min(low[s], column)
            high[s] = max(high[s], column + 1)
        }
        var cumulative = 0.0
        var previous = 0
        for s in strips.indices {
            var tiles = StripTiles(
                integrals: integrals, rasterColumns: low[s] <= high[s] ? low[s]..<high[s] : 0..<0,
                origin: raster.origin, cell: raster.cell)
            var share = 0
            for (k, value) in tiles.integrals(of: integrals).enumerated() {
                cumulative += value
                let rounded = Int((fraction * cumulative).rounded())
                tiles.quota[k] = rounded - previous
                share += rounded - previous
                previous = rounded
            }
            strips[s].target = share
            strips[s].existing = 0
            // A feather's fall-off is steeper than a tile is wide: held to a tile's quota, elimination took the
            // tile's surplus from the sparse end of the fade (the outer 2 mm at 60 % of the intended density),
            // so feathered regions are held to their strips' shares only.
            strips[s].tiles = field.isFeathered(region: r) ? nil : tiles
        }
        for i in committed {
            let p = Point(xs[i], ys[i])
            let column = grid.column(p.x)
            guard let s = strips.firstIndex(where: { $0.owns(column: column) }) else { continue }
            strips[s].existing += 1
            if let t = strips[s].tiles?.tile(at: p) { strips[s].tiles?.existing[t] += 1 }
        }
        return previous
    }

    /// The same for one strip (a region regrown whole).
    func assignTargets(_ strip: inout StripSampler, region r: Int, committed: [Int]) -> Int {
        var strips = [strip]
        let target = assignTargets(&strips, region: r, committed: committed)
        strip = strips[0]
        return target
    }

    /// Evens out the tiles of all the region's strips before any of them eliminates, and returns how many dots
    /// each strip removes (adding up to `surplus`). Each tile's surplus is what it holds over its quota after
    /// growth; short tiles are covered by the nearest tiles with a surplus (`StripSampler.coverShortfalls`) across
    /// seams too (the strips' tiles share their rows, so side by side they are one grid: a strip that grows among
    /// its neighbours' dots tends to grow short, and within itself it could only move that between its own
    /// tiles). The result is written back as the tiles' quotas; a strip removes its tiles' surpluses (each at most
    /// what the tile grew), and any difference one dot at a time over the strips in order.
    func balanceTiles(_ strips: inout [StripSampler], surplus total: Int) -> [Int] {
        let rows = strips.compactMap { $0.tiles }.first { !$0.isEmpty }?.tileRows ?? 0
        var offsets: [Int] = []
        var columns = 0
        for strip in strips {
            offsets.append(columns)
            columns += strip.tiles.map { $0.isEmpty ? 0 : $0.tileColumns } ?? 0
        }
        guard rows > 0, columns > 0 else {
            return PatternBuilder.removals(
                existing: strips.map(\.existing), grown: strips.map(\.aliveCount), shares: strips.map(\.target),
                surplus: total)
        }
        let grown = strips.map { $0.grownPerTile() }
        func global(_ s: Int, _ t: Int, _ tiles: StripTiles) -> Int {
            t / tiles.tileColumns * columns + offsets[s] + t % tiles.tileColumns
        }
        var surplus = [Int](repeating: 0, count: rows * columns)
        for s in strips.indices {
            guard let tiles = strips[s].tiles, !tiles.isEmpty else { continue }
            for t in tiles.quota.indices {
                surplus[global(s, t, tiles)] = tiles.existing[t] + grown[s][t] - tiles.quota[t]
            }
        }
        StripSampler.coverShortfalls(&surplus, columns: columns)
        var removal = [Int](repeating: 0, count: strips.count)
        for s in strips.indices {
            guard var tiles = strips[s].tiles, !tiles.isEmpty else { continue }
            for t in tiles.quota.indices {
                let g = global(s, t, tiles)
                tiles.quota[t] = tiles.existing[t] + grown[s][t] - surplus[g]
                removal[s] += min(max(surplus[g], 0), grown[s][t])
            }
            strips[s].tiles = tiles
        }
        var difference = total - removal.reduce(0, +)
        while difference > 0 {
            let before = difference
            for s in removal.indices where removal[s] < strips[s].aliveCount && difference > 0 {
                removal[s] += 1
                difference -= 1
            }
            if difference == before { break }
        }
        while difference < 0 {
            for s in removal.indices where removal[s] > 0 && difference < 0 {
                removal[s] -= 1
                difference += 1
            }
        }
        return removal
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

    /// Growth seeds for a strip: the region's committed dots, the `borrowed` seeds (`borderSeeds`) and its
    /// neighbour strips' new dots within `columns` of its band.
    func seeds(
        near strip: StripSampler, committed: [Int], borrowed: [GrowthSeed], strips: [StripSampler], columns: Int
    ) -> [GrowthSeed] {
        let low = strip.firstColumn - columns
        let high = strip.endColumn + columns
        var seeds: [GrowthSeed] = []
        for seed in borrowed {
            let c = grid.column(seed.x)
            if c >= low && c < high { seeds.append(seed) }
        }
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
}
