import SMPHardware

/// A region's density multiplier from its feathered open edges and blended borders (`FeatherSpec`, `BlendSpec`),
/// tabulated on a 0.5 mm raster over the region and its ghost band and read by bilinear interpolation.
///
/// Feather: t = min over the open lines of (depth behind the line - the line's recess) / width, where the recess
/// is the hairline's wave sum (macro plus micro waves, three sines each, seeded phases per line). The multiplier
/// is 0 for t < 0, endFraction + (1 - endFraction) smoothstep(t) up to t = 1, then 1. t is what the raster holds,
/// so the zero line stays sharp between raster points.
/// Blend: across the border with each blended neighbour, at signed distance s (negative on this region's side),
/// density goes linearly from this region's to the neighbour's over the band: the multiplier adds
/// (rho_other / rho_own - 1) * clamp((s + band / 2) / band, 0, 1).
///
/// A class over manual storage for the same reason as `HairlineField`: several threads read it at once.
final class EdgeField: @unchecked Sendable {
    static let rasterCell = 0.5
    let endFraction: Double
    /// The smallest multiplier the region's map takes where it is not zero.
    let sparsestMultiplier: Double
    /// How far (in t) in front of a feather's receded line growth continues with ghosts at the end density.
    private let fadeBandT: Double
    private let origin: Point
    private let columns: Int
    private let rows: Int
    private let featherT: UnsafeMutableBufferPointer<Double>
    private let blend: UnsafeMutableBufferPointer<Double>
    private let exact: @Sendable (Point) -> (t: Double, blend: Double)

    /// `neighbours`: (shape, density ratio other / own, band) for each blend the region takes part in. `padding`
    /// widens the raster past the region's bounds (the ghost band).
    init(
        region: PolygonWithHoles, feather: FeatherSpec?,
        neighbours: [(shape: PolygonWithHoles, ratio: Double, band: Double)],
        seed: UInt64, stream: UInt64, padding: Double, fadeBand: Double, parallel: Bool
    ) {
        endFraction = feather?.endFraction ?? 1
        fadeBandT = fadeBand / (feather?.widthMM ?? 1)
        var lines: [(line: Polyline, inward: Double, waves: HairlineField.Waves)] = []
        if let feather {
            var rng = SeededGenerator(seed: seed, stream: stream)
            let reach = feather.widthMM + feather.macroAmplitudeMM + feather.microAmplitudeMM + padding + 2
            for points in feather.lines {
                let line = Polyline(points, reach: reach)
                let waves = HairlineField.Waves(
                    macroAmplitude: feather.macroAmplitudeMM, macroWavelength: feather.macroWavelengthMM,
                    microAmplitude: feather.microAmplitudeMM, microWavelength: feather.microWavelengthMM,
                    macroPhases: (0..<3).map { _ in rng.nextUnit() * 2 * Double.pi },
                    microPhases: (0..<3).map { _ in rng.nextUnit() * 2 * Double.pi })
                lines.append((line, HairlineField.inwardSide(of: line, in: region), waves))
            }
        }
        let width = feather?.widthMM ?? 1
        let featherLines = lines
        let borders = neighbours.map { n in
            (
                line: Polyline(n.shape.outer.points + [n.shape.outer.points[0]], reach: n.band / 2 + padding + 2),
                shape: n.shape, ratio: n.ratio, band: n.band
            )
        }
        let exact: @Sendable (Point) -> (t: Double, blend: Double) = { p in
            var t = 2.0
            for (line, inward, waves) in featherLines {
                guard let nearest = line.nearest(to: p) else { continue }
                let depth = nearest.side == inward ? nearest.distance : -nearest.distance
                t = min(t, (depth - waves.recess(at: max(0, nearest.arc))) / width)
            }
            var multiplier = 1.0
            for border in borders {
                let inside = border.shape.contains(p)
                guard let nearest = border.line.nearest(to: p) else {
                    if inside { multiplier += border.ratio - 1 }
                    continue
                }
                let s = inside ? nearest.distance : -nearest.distance
                multiplier += (border.ratio - 1) * min(1, max(0, (s + border.band / 2) / border.band))
            }
            return (t, multiplier)
        }
        self.exact = exact
        let box = region.bounds ?? Rect(minX: 0, minY: 0, maxX: 0, maxY: 0)
        let cell = EdgeField.rasterCell
        let origin = Point(box.minX - padding - cell, box.minY - padding - cell)
        let columns = Int(((box.width + 2 * padding) / cell).rounded(.up)) + 3
        let rows = Int(((box.height + 2 * padding) / cell).rounded(.up)) + 3
        self.origin = origin
        self.columns = columns
        self.rows = rows
        let bands = ChunkedWork.map(rows, parallel: parallel) { band in
            var values: [(Double, Double)] = []
            values.reserveCapacity(band.count * columns)
            for row in band {
                for column in 0..<columns {
                    let v = exact(Point(origin.x + Double(column) * cell, origin.y + Double(row) * cell))
                    values.append((v.t, v.blend))
                }
            }
            return values
        }
        featherT = .allocate(capacity: columns * rows)
        blend = .allocate(capacity: columns * rows)
        var k = 0
        var sparsest = Double.infinity
        let end = endFraction
        for band in bands {
            for (t, b) in band {
                featherT[k] = t
                blend[k] = b
                k += 1
                if t >= 0 { sparsest = min(sparsest, (t >= 1 ? 1 : end) * b) }
            }
        }
        sparsestMultiplier = sparsest.isFinite ? max(sparsest, 1e-3) : 1
    }

    deinit {
        featherT.deallocate()
        blend.deallocate()
    }

    /// The multiplier from raster values t and b.
    @inline(__always)
    private func multiplier(t: Double, blend b: Double) -> Double {
        if t < 0 { return 0 }
        if t >= 1 { return b }
        let smooth = t * t * (3 - 2 * t)
        return (endFraction + (1 - endFraction) * smooth) * b
    }

    /// The multiplier of a ghost in front of a feather's receded line (0 elsewhere): the end fraction over the
    /// fade band. Without them the fade would end against a wall, and growth lines dots up along a wall.
    func fadeGhostMultiplier(at p: Point) -> Double {
        let (t, b) = values(at: p)
        return t < 0 && t > -fadeBandT ? endFraction * b : 0
    }

    /// The region's density multiplier at p (interpolated; exact off the raster).
    @inline(__always)
    func multiplier(at p: Point) -> Double {
        let (t, b) = values(at: p)
        return multiplier(t: t, blend: b)
    }

    @inline(__always)
    private func values(at p: Point) -> (t: Double, blend: Double) {
        let fx = (p.x - origin.x) / EdgeField.rasterCell
        let fy = (p.y - origin.y) / EdgeField.rasterCell
        guard fx >= 0, fy >= 0, fx < Double(columns - 1), fy < Double(rows - 1) else {
            return exact(p)
        }
        let cx = Int(fx)
        let cy = Int(fy)
        let tx = fx - Double(cx)
        let ty = fy - Double(cy)
        let i = cy * columns + cx
        func lerp(_ v: UnsafeMutableBufferPointer<Double>) -> Double {
            let top = v[i] * (1 - tx) + v[i + 1] * tx
            let bottom = v[i + columns] * (1 - tx) + v[i + columns + 1] * tx
            return top * (1 - ty) + bottom * ty
        }
        return (lerp(featherT), lerp(blend))
    }
}
