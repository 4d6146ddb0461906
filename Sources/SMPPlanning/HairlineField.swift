import SMPHardware

/// The hairline's density ramp: zero in front of an irregular line, rising from a sparse front to the region's
/// full density over the transition width.
///
/// The drawn line recedes by macro waves (large concavities) and micro waves (small ones), each a sum of three
/// sines with unrelated wavelengths and seeded phases, so the result is never left-right symmetric and never
/// repeats along a head-sized line.
///
/// A class, not a struct: the sampler asks it for the density per candidate, and an optional struct of this size
/// was copied (memmove) on every such call. `@unchecked Sendable` because the ramp raster is manual storage,
/// written only in `init`.
final class HairlineField: @unchecked Sendable {
    let spec: HairlineSpec
    let line: Polyline
    /// +1 or -1: the side of the line (in `Polyline.Nearest.side` terms) where the hairline region lies.
    let inwardSide: Double
    private let macroPhases: [Double]
    private let microPhases: [Double]
    /// Relative wavelengths of the three sines in each wave: irrational-ish ratios so that they never line up.
    private static let ratios = [1.0, 0.618_034, 1.414_214]

    init(spec: HairlineSpec, region: PolygonWithHoles, seed: UInt64, parallel: Bool = false) {
        self.spec = spec
        let reach = spec.transitionWidthMM + spec.macroAmplitudeMM + spec.microAmplitudeMM + spec.sentinelDepthMM + 2
        line = Polyline(spec.line, reach: reach)
        var rng = SeededGenerator(seed: seed, stream: 0x4841_4952)  // "HAIR"
        macroPhases = (0..<3).map { _ in rng.nextUnit() * 2 * Double.pi }
        microPhases = (0..<3).map { _ in rng.nextUnit() * 2 * Double.pi }
        // Which side is the region's? Probe both sides of the line's middle at growing offsets.
        var side = 1.0
        let middle = line.length / 2
        for offset in [0.5, 1.0, 2.0, 4.0, 8.0] {
            let (p, n) = line.frame(at: middle)
            let left = region.contains(p + n * offset)
            let right = region.contains(p - n * offset)
            if left != right {
                side = left ? 1 : -1
                break
            }
        }
        inwardSide = side
        // Tabulate the recess every 0.05 mm (waves are >= 0.5 mm long): the sampler asks for it per candidate.
        let count = Int((line.length / HairlineField.tableStep).rounded(.up)) + 2
        var table: [Double] = []
        table.reserveCapacity(count)
        let probe = HairlineField.Waves(
            macroAmplitude: spec.macroAmplitudeMM, macroWavelength: spec.macroWavelengthMM,
            microAmplitude: spec.microAmplitudeMM, microWavelength: spec.microWavelengthMM, macroPhases: macroPhases,
            microPhases: microPhases)
        for k in 0..<count { table.append(probe.recess(at: Double(k) * HairlineField.tableStep)) }
        recessTable = table
        // Cache the ramp coordinate t on a 0.5 mm raster over the region (bilinear lookup): the sampler and the
        // density integral ask for it millions of times, and t is smooth where it matters.
        let box = region.bounds ?? Rect(minX: 0, minY: 0, maxX: 0, maxY: 0)
        let cell = HairlineField.rasterCell
        let origin = Point(box.minX - cell, box.minY - cell)
        let columns = Int((box.width / cell).rounded(.up)) + 3
        let rows = Int((box.height / cell).rounded(.up)) + 3
        rasterOrigin = origin
        rasterColumns = columns
        rasterRows = rows
        let (polyline, inward, recesses) = (line, side, table)
        let rowBands = ChunkedWork.map(rows, parallel: parallel) { band in
            var values: [Double] = []
            values.reserveCapacity(band.count * columns)
            for row in band {
                // A row the line is out of reach of is 2 throughout, as `exactRampCoordinate` would give it.
                guard polyline.mayFindLine(atY: origin.y + Double(row) * cell) else {
                    values.append(contentsOf: repeatElement(2, count: columns))
                    continue
                }
                for column in 0..<columns {
                    let p = Point(origin.x + Double(column) * cell, origin.y + Double(row) * cell)
                    values.append(
                        HairlineField.exactRampCoordinate(
                            p, line: polyline, inwardSide: inward, table: recesses, spec: spec))
                }
            }
            return values
        }
        rampValues = UnsafeMutableBufferPointer.allocate(capacity: columns * rows)
        _ = rampValues.initialize(from: rowBands.joined())
        fullRows = UnsafeMutableBufferPointer.allocate(capacity: rows)
        for row in 0..<rows {
            fullRows[row] = rampValues[(row * columns)..<((row + 1) * columns)].allSatisfy { $0 >= 1 }
        }
    }

    deinit {
        rampValues.deallocate()
        fullRows.deallocate()
    }

    static let rasterCell = 0.5
    static let inverseRasterCell = 2.0
    private let rasterOrigin: Point
    private let rasterColumns: Int
    private let rasterRows: Int
    /// Manually allocated, not an array: the sampler reads it from several threads at once, and an array's
    /// reference count, touched on each read, would bounce between the cores.
    private let rampValues: UnsafeMutableBufferPointer<Double>
    /// Rows of the raster where t >= 1 throughout: between two such rows the density is the region's full one
    /// without interpolating (most of a large region).
    private let fullRows: UnsafeMutableBufferPointer<Bool>

    /// (depth behind the receded line) / transition width; 2 where the line is out of reach (full density).
    static func exactRampCoordinate(
        _ p: Point, line: Polyline, inwardSide: Double, table: [Double], spec: HairlineSpec
    ) -> Double {
        guard let nearest = line.nearest(to: p) else { return 2 }
        let depth = nearest.side == inwardSide ? nearest.distance : -nearest.distance
        let f = max(0, nearest.arc) / tableStep
        let k = min(Int(f), table.count - 2)
        let t = min(1, f - Double(k))
        let recess = table[k] * (1 - t) + table[k + 1] * t
        return (depth - recess) / spec.transitionWidthMM
    }

    /// The ramp as a plain value for the sampler's inner loops: no reference counting on use, which several
    /// threads at once would turn into one counter bouncing between cores. Valid while its field lives
    /// (`SamplingField` holds both).
    var ramp: Ramp {
        Ramp(
            origin: rasterOrigin, columns: rasterColumns, rows: rasterRows,
            values: UnsafePointer(rampValues.baseAddress!), fullRows: UnsafePointer(fullRows.baseAddress!),
            frontDensityFraction: spec.frontDensityFraction, field: self)
    }

    struct Ramp: @unchecked Sendable {
        let origin: Point
        let columns: Int
        let rows: Int
        let values: UnsafePointer<Double>
        let fullRows: UnsafePointer<Bool>
        let frontDensityFraction: Double
        /// For the exact ramp outside the raster (never on the sampler's path: the raster covers the region).
        unowned(unsafe) let field: HairlineField

        /// The ramp coordinate t at p, interpolated from the raster (exact outside it).
        @inline(__always)
        func coordinate(at p: Point) -> Double {
            let fx = (p.x - origin.x) * HairlineField.inverseRasterCell
            let fy = (p.y - origin.y) * HairlineField.inverseRasterCell
            guard fx >= 0, fy >= 0, fx < Double(columns - 1), fy < Double(rows - 1) else {
                return HairlineField.exactRampCoordinate(
                    p, line: field.line, inwardSide: field.inwardSide, table: field.recessTable, spec: field.spec)
            }
            let cx = Int(fx)
            let cy = Int(fy)
            let tx = fx - Double(cx)
            let ty = fy - Double(cy)
            let i = cy * columns + cx
            // The guard above keeps (cx + 1, cy + 1) inside the raster.
            let top = values[i] * (1 - tx) + values[i + 1] * tx
            let bottom = values[i + columns] * (1 - tx) + values[i + columns + 1] * tx
            return top * (1 - ty) + bottom * ty
        }

        /// True when `fraction` is 1 everywhere at height y: between two rows at t >= 1 the interpolated t is
        /// >= 1 too, so full density, with no interpolation.
        @inline(__always)
        func isFull(atY y: Double) -> Bool {
            let fy = (y - origin.y) * HairlineField.inverseRasterCell
            guard fy >= 0, fy < Double(rows - 1) else { return false }
            let cy = Int(fy)
            return fullRows[cy] && fullRows[cy + 1]
        }

        /// Density multiplier (0...1) at p, for a point inside the hairline region.
        @inline(__always)
        func fraction(at p: Point) -> Double {
            if isFull(atY: p.y) { return 1 }
            let t = coordinate(at: p)
            if t < 0 { return 0 }
            if t >= 1 { return 1 }
            let smooth = t * t * (3 - 2 * t)
            return frontDensityFraction + (1 - frontDensityFraction) * smooth
        }
    }

    static let tableStep = 0.05
    private let recessTable: [Double]

    /// The exact wave sum, used to fill the table.
    struct Waves {
        var macroAmplitude, macroWavelength, microAmplitude, microWavelength: Double
        var macroPhases, microPhases: [Double]

        func recess(at s: Double) -> Double {
            func wave(_ phases: [Double], _ wavelength: Double) -> Double {
                var sum = 0.0
                for k in 0..<3 {
                    sum += PortableMath.sin(2 * Double.pi * s / (wavelength * HairlineField.ratios[k]) + phases[k])
                }
                return (sum / 3 + 1) / 2  // 0...1
            }
            return macroAmplitude * wave(macroPhases, macroWavelength) + microAmplitude
                * wave(microPhases, microWavelength)
        }
    }

    /// How far the line recedes into the region at arc length s: 0 ... macro + micro amplitude (interpolated).
    func recess(at s: Double) -> Double {
        let f = max(0, s) / HairlineField.tableStep
        let k = min(Int(f), recessTable.count - 2)
        let t = min(1, f - Double(k))
        return recessTable[k] * (1 - t) + recessTable[k + 1] * t
    }

    /// A sentinel position: in front of the receded line at arc length s, `ahead` mm beyond it.
    func sentinel(at s: Double, ahead: Double) -> Point {
        let (p, n) = line.frame(at: s)
        let depth = recess(at: s) - ahead
        return p + n * (inwardSide * depth)
    }
}
