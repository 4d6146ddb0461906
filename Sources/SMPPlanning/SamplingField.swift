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
    /// Each region's feather and blend multiplier, if it has any (`EdgeField`).
    let edges: [EdgeField?]
    private let hasEdges: Bool
    /// Per region: it has a feather (read per candidate, hence plain flags rather than the optional fields).
    private let feathered: [Bool]
    private let anyFeather: Bool

    init(
        raster: RegionRaster, hairs: HairIndex, hairline: HairlineField?, densityPerMM2: [Double],
        edges: [EdgeField?] = []
    ) {
        self.raster = raster
        self.hairs = hairs
        self.hairline = hairline
        ramp = hairline?.ramp
        hairlineRegion = hairline?.spec.regionIndex ?? -1
        self.densityPerMM2 = densityPerMM2
        self.edges = edges
        hasEdges = edges.contains { $0 != nil }
        feathered = edges.map { ($0?.endFraction ?? 1) < 1 }
        anyFeather = feathered.contains(true)
    }

    /// The density map at p for region r, all sessions, dots per mm^2 (0 where no dot may go).
    @inline(__always)
    func mapDensity(at p: Point, region r: Int) -> Double {
        if hasEdges { return mapDensityWithEdges(at: p, region: r) }
        guard r == hairlineRegion, let ramp else { return densityPerMM2[r] }
        return densityPerMM2[r] * ramp.fraction(at: p)
    }

    /// True when region r has a feather (its density falls steeply to a fraction of itself).
    @inline(__always)
    func isFeathered(region r: Int) -> Bool { anyFeather && feathered[r] }

    /// The density of a ghost in front of region r's feathered edge at p (0 where there is none).
    func fadeGhostDensity(at p: Point, region r: Int) -> Double {
        guard let edge = edges[r] else { return 0 }
        return densityPerMM2[r] * edge.fadeGhostMultiplier(at: p)
    }

    private func mapDensityWithEdges(at p: Point, region r: Int) -> Double {
        var d = densityPerMM2[r]
        if r == hairlineRegion, let ramp { d *= ramp.fraction(at: p) }
        if let edge = edges[r] { d *= edge.multiplier(at: p) }
        return d
    }

    /// True when every region's map is its plain density everywhere at height y (no hairline ramp there), so
    /// `mapDensity` is `densityPerMM2[r]` along the whole row.
    @inline(__always)
    func isUniform(atY y: Double) -> Bool {
        if hasEdges { return false }
        guard let ramp else { return true }
        return ramp.isFull(atY: y)
    }

    /// The smallest non-zero density region r's growth uses: its hairline front, the thinnest part of its
    /// feathers and blends, or its thinnest ghosts past the edge (`GhostZone`), whichever is least.
    func sparsestDensity(region r: Int) -> Double {
        var sparsest = densityPerMM2[r] * GhostZone.sparsestWeight
        if r < edges.count, let edge = edges[r] { sparsest = min(sparsest, densityPerMM2[r] * edge.sparsestMultiplier) }
        guard let hairline, hairline.spec.regionIndex == r else { return sparsest }
        return min(sparsest, densityPerMM2[r] * hairline.spec.frontDensityFraction)
    }
}
