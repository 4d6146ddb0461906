import Dispatch
import SMPHardware

extension PatternBuilder {
    /// Integral of the density map over each region's owned cells (cell centres; in cells near an edge, one
    /// exact sample in each quarter at a jittered place, `boundarySample`), skipping hair clearance, in each
    /// region's tiles (`TileIntegrals`).
    static func integrate(field: SamplingField, regions: [PlanRegion], parallel: Bool) -> [TileIntegrals] {
        let raster = field.raster
        var tiles = regions.indices.map { r -> TileIntegrals in
            guard let box = regions[r].shape.bounds else {
                return TileIntegrals(density: field.densityPerMM2[r], cell: raster.cell, columns: 0..<0, rows: 0..<0)
            }
            func cells(_ low: Double, _ high: Double, _ origin: Double, _ count: Int) -> Range<Int> {
                let a = max(0, Int(((low - origin) / raster.cell).rounded(.down)) - 1)
                let b = min(count, Int(((high - origin) / raster.cell).rounded(.down)) + 2)
                return a..<max(a, b)
            }
            return TileIntegrals(
                density: field.densityPerMM2[r], cell: raster.cell,
                columns: cells(box.minX, box.maxX, raster.origin.x, raster.columns),
                rows: cells(box.minY, box.maxY, raster.origin.y, raster.rows))
        }
        let layout = tiles
        let bands = ChunkedWork.map(raster.rows, parallel: parallel) { rows -> (parts: [BandPart], sums: [Double]) in
            // One flat array per band: each region's tile rows that meet the band's raster rows.
            var offsets = [Int](repeating: 0, count: layout.count)
            var parts: [BandPart] = []
            var size = 0
            for (r, t) in layout.enumerated() where t.columns > 0 && t.tileRows > 0 {
                let first = max(t.firstTileRow, rows.lowerBound / t.side)
                let last = min(t.firstTileRow + t.tileRows - 1, (rows.upperBound - 1) / t.side)
                guard first <= last else { continue }
                parts.append(
                    BandPart(region: r, firstTileRow: first, start: size, count: (last - first + 1) * t.columns))
                // So that offsets[r] + tileRow * columns + column indexes the band's array.
                offsets[r] = size - first * t.columns - t.firstColumn
                size += (last - first + 1) * t.columns
            }
            var sums = [Double](repeating: 0, count: size)
            // So that offsets[r] + row / sides[r] * widths[r] + column indexes region r's sum for a cell.
            let sides = layout.map(\.side)
            let widths = layout.map(\.columns)
            let area = raster.cell * raster.cell
            // Local copies and unsafe views: the loop runs on several threads at once, and reference counting
            // on the shared arrays (one atomic counter bounced between cores) would cost more than the loop.
            let (field, raster) = (field, raster)
            let noHairs = field.hairs.isEmpty
            raster.owner.withUnsafeBufferPointer { owner in
                sums.withUnsafeMutableBufferPointer { sums in
                    for row in rows {
                        // Most rows of a large region are past the hairline ramp and hold no hairs: there each
                        // interior cell adds its region's plain density, the same value mapDensity would return.
                        let plainRow = noHairs && field.isUniform(atY: raster.centre(0, row).y)
                        // A row's cells mostly belong to one region: its row base is worked out once per run.
                        var lastRegion = -1
                        var rowBase = 0
                        @inline(__always) func index(_ r: Int, _ column: Int) -> Int {
                            if r != lastRegion {
                                lastRegion = r
                                rowBase = offsets[r] + row / sides[r] * widths[r]
                            }
                            return rowBase + column
                        }
                        for column in 0..<raster.columns {
                            let o = owner[row * raster.columns + column]
                            if o == RegionRaster.outside { continue }
                            if plainRow && o != RegionRaster.boundary {
                                sums[index(Int(o), column)] += field.densityPerMM2[Int(o)] * area
                                continue
                            }
                            let c = raster.centre(column, row)
                            if o == RegionRaster.boundary {
                                // A region edge may cross the cell: 2 x 2 exact samples, so that the integral
                                // does not take the centre for the whole cell.
                                let cellIndex = row * raster.columns + column
                                for k in 0..<4 {
                                    let s = PatternBuilder.boundarySample(
                                        k, cell: cellIndex, centre: c, size: raster.cell)
                                    guard let r = raster.exactRegion(at: s), !field.hairs.blocks(s) else { continue }
                                    sums[index(r, column)] += field.mapDensity(at: s, region: r) * area / 4
                                }
                                continue
                            }
                            let r = Int(o)
                            if field.hairs.blocks(c) { continue }
                            sums[index(r, column)] += field.mapDensity(at: c, region: r) * area
                        }
                    }
                }
            }
            return (parts, sums)
        }
        // Bands added in order: the same sums on any number of cores.
        for r in tiles.indices { tiles[r].values = [Double](repeating: 0, count: tiles[r].tileRows * tiles[r].columns) }
        for band in bands {
            for part in band.parts {
                let base = (part.firstTileRow - tiles[part.region].firstTileRow) * tiles[part.region].columns
                for k in 0..<part.count { tiles[part.region].values[base + k] += band.sums[part.start + k] }
            }
        }
        return tiles
    }

    /// Sample k (0..<4) of a boundary cell: one in each quarter of the cell, at a place within it that a hash of
    /// the cell and k sets. At the quarters' centres a straight edge along the raster is off by up to a quarter
    /// of a cell in every cell it crosses, always the same way (on a 40 mm square at 90 dots/cm2, 0.35 % too many
    /// dots, all of which the interior took); jittered, the cells' errors have mean zero and mostly cancel.
    @inline(__always)
    static func boundarySample(_ k: Int, cell: Int, centre: Point, size: Double) -> Point {
        // SplitMix64's finaliser over the cell and the quarter: 32 bits for each coordinate.
        var z = UInt64(truncatingIfNeeded: cell) &* 4 &+ UInt64(k) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let u = Double(z >> 32) / 4_294_967_296
        let v = Double(z & 0xFFFF_FFFF) / 4_294_967_296
        return Point(
            centre.x + (Double(k % 2) - 1 + u) * 0.5 * size, centre.y + (Double(k / 2) - 1 + v) * 0.5 * size)
    }

    /// Where one row band of the integral keeps a region's tile rows in its flat array.
    struct BandPart: Sendable {
        var region: Int
        var firstTileRow: Int
        var start: Int
        var count: Int
    }
}
