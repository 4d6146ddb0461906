/// What every strip of the sampler reads and none writes: who owns each point, the density map, existing hairs.
struct SamplingField: Sendable {
    let raster: RegionRaster
    let hairs: HairIndex
    let hairline: HairlineField?
    /// The hairline's ramp as a plain value (see `HairlineField.Ramp`), and its region (-1 without a hairline).
    private let ramp: HairlineField.Ramp?
    private let hairlineRegion: Int
    /// Final (all sessions) density per region, dots per mm^2.
    let densityPerMM2: [Double]

    init(raster: RegionRaster, hairs: HairIndex, hairline: HairlineField?, densityPerMM2: [Double]) {
        self.raster = raster
        self.hairs = hairs
        self.hairline = hairline
        ramp = hairline?.ramp
        hairlineRegion = hairline?.spec.regionIndex ?? -1
        self.densityPerMM2 = densityPerMM2
    }

    /// The density map at p for region r, all sessions, dots per mm^2 (0 where no dot may go).
    @inline(__always)
    func mapDensity(at p: Point, region r: Int) -> Double {
        guard r == hairlineRegion, let ramp else { return densityPerMM2[r] }
        return densityPerMM2[r] * ramp.fraction(at: p)
    }

    /// True when every region's map is its plain density everywhere at height y (no hairline ramp there), so
    /// `mapDensity` is `densityPerMM2[r]` along the whole row.
    @inline(__always)
    func isUniform(atY y: Double) -> Bool {
        guard let ramp else { return true }
        return ramp.isFull(atY: y)
    }

    /// The smallest non-zero density region r's growth uses: its hairline front, if it has one, or its thinnest
    /// ghosts past the edge (`GhostZone`).
    func sparsestDensity(region r: Int) -> Double {
        let ghosts = densityPerMM2[r] * GhostZone.sparsestWeight
        guard let hairline, hairline.spec.regionIndex == r else { return ghosts }
        return min(ghosts, densityPerMM2[r] * hairline.spec.frontDensityFraction)
    }
}
