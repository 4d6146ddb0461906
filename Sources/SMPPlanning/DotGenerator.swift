import SMPHardware

/// Places every dot of a plan: variable-density blue noise per region, built session by session.
///
/// Method. Each session layer k (cumulative density fraction f_k) is grown with Bridson's Poisson-disk algorithm
/// (2007, with Roberts' evenly spaced candidates) whose radius follows the density map,
/// r(p) = kappa / sqrt(f_k rho(p)), seeded with all dots of the earlier layers, which stay fixed. So the dots of
/// sessions 1...k are themselves a Poisson-disk pattern at their own density, and a later dot never lands closer
/// to an earlier one than the later pattern allows. kappa is chosen so that Bridson slightly over-fills; weighted
/// sample elimination (Yuksel 2015) then removes the new dots with the most crowded neighbourhoods until the
/// layer holds exactly round(f_k * integral of rho) dots, and every tile of about 96 dots its own share of them
/// (`TileIntegrals`), so realised density matches the request locally too. Since no dot
/// is ever placed nearer than its radius, a uniform region's relative radius is at least kappa / 1.0746 = 0.78
/// by construction (1.0746 / sqrt(rho) being twice the hexagonal-packing radius).
/// A sweep over the sampling grid after each Bridson run seeds every part of a region, however it is split.
///
/// Regions are sampled in strips on all cores (`PatternBuilder`); the dots do not depend on the number of cores.
public enum DotGenerator {
    /// Names the placement algorithm, written into every DOTS.json: a later session fits around the dots already
    /// needled only if the earlier sessions regenerate exactly, so a change that moves any dot for the same plan
    /// and seed must change this (`PreviousSession` checks it). /1 was the relaxed generator before the strips,
    /// /2 the strips before ghost dots past region edges, /3 ghost dots before quotas per tile, /4 quotas
    /// per tile before feathers placed candidates at the mean radius and blended regions grew on from their
    /// partners' dots.
    public static let algorithm = "smpctl-blue-noise/5"

    /// Bridson radius factor r = kappa / sqrt(density). The largest value at which growth still over-fills
    /// (by ~3 % on a large region), so that elimination has crowded dots to remove and the guaranteed spacing is
    /// as wide as it can be (Docs/Performance.md: 0.85 over-fills by only 1 %, 0.86 falls short and regrows).
    static let kappa = 0.84
    /// Later session layers grow among the fixed dots of earlier ones, which pack less well: at full kappa they
    /// fall ~10 % short and had to regrow. A 5 % smaller radius over-fills them instead (prefix rho ~0.74).
    static let laterLayerScale = 0.95
    /// Candidates tried around an active dot before it is retired (Bridson's k; Roberts' variant needs few).
    static let attempts = 8
    static let radiusJitter = 0.15
    /// 64 unit vectors around the circle, from the portable sine so that they are the same bits everywhere.
    /// A power of two, so that the sampler picks one with a mask.
    static let directions: [Point] = (0..<64).map { k in
        let angle = 2 * Double.pi * Double(k) / 64
        return Point(PortableMath.sin(angle + Double.pi / 2), PortableMath.sin(angle))
    }

    /// Generates all sessions' dots. Ids are assigned in generation order (session, region priority, growth),
    /// so the same plan and seed always give the same ids.
    public static func generate(_ plan: Plan) throws -> [PlannedDot] {
        try generate(plan, parallel: true)
    }

    /// `parallel: false` samples the same strips in the same order on the calling thread: the dots are identical
    /// (a test holds that), only slower.
    public static func generate(_ plan: Plan, parallel: Bool) throws -> [PlannedDot] {
        if let explicit = plan.explicitDots { return try explicitDots(explicit, plan: plan) }
        var builder = PatternBuilder(plan: plan, parallel: parallel)
        builder.run()
        let dots = builder.result()
        guard !dots.isEmpty else {
            throw PlanError(
                file: plan.file, location: "regions",
                reason:
                    "the plan produces no dots; expected regions with room for dots (check holes, scars and hair clearance)"
            )
        }
        return dots
    }

    /// Dots designed elsewhere: each must lie in a region, keep clear of existing hairs, and not sit on another.
    static func explicitDots(_ points: [Point], plan: Plan) throws -> [PlannedDot] {
        let raster = RegionRaster(regions: plan.regions, cell: 0.25)
        let hairs = HairIndex(hairs: plan.existingHairs, clearance: plan.hairClearanceMM)
        // Multi-occupancy: explicit dots may be closer than one cell diagonal apart.
        var grid = PointGrid(
            origin: raster.origin, cell: 0.25, columns: raster.columns + 1, rows: raster.rows + 1)
        var xs: [Double] = []
        var ys: [Double] = []
        var dots: [PlannedDot] = []
        /// Closer than this two dots would merge into one blot (two needle groupings' widths).
        let minimumSpacing = 0.3
        for (i, p) in points.enumerated() {
            guard let region = raster.exactRegion(at: p) else {
                throw PlanError(
                    file: plan.file, location: "dots[\(i)]", reason: "lies in no region; expected a dot inside one")
            }
            if hairs.blocks(p) {
                throw PlanError(
                    file: plan.file, location: "dots[\(i)]",
                    reason:
                        "closer than \(decimal(plan.hairClearanceMM)) mm to an existing hair; expected the clearance")
            }
            if let j = grid.firstWithin(p, radius: minimumSpacing, xs: xs, ys: ys) {
                throw PlanError(
                    file: plan.file, location: "dots[\(i)]",
                    reason: "closer than \(decimal(minimumSpacing)) mm to dots[\(j)]; expected distinct dot sites")
            }
            grid.insert(Int32(i), at: p)
            xs.append(p.x)
            ys.append(p.y)
            dots.append(PlannedDot(id: i + 1, position: p, regionIndex: region, session: plan.session.index))
        }
        return dots
    }
}

/// Existing hairs, bucketed for clearance tests.
struct HairIndex {
    let clearance2: Double
    private var grid: PointGrid?
    private var xs: [Double] = []
    private var ys: [Double] = []
    let clearance: Double

    init(hairs: [Point], clearance: Double) {
        self.clearance = clearance
        clearance2 = clearance * clearance
        guard !hairs.isEmpty, clearance > 0, let box = Rect(bounding: hairs) else { return }
        let cell = max(clearance, 0.25)
        var g = PointGrid(
            origin: Point(box.minX - cell, box.minY - cell), cell: cell,
            columns: Int(box.width / cell) + 3, rows: Int(box.height / cell) + 3)
        for (i, h) in hairs.enumerated() {
            g.insert(Int32(i), at: h)
            xs.append(h.x)
            ys.append(h.y)
        }
        grid = g
    }

    /// No hairs to keep clear of.
    var isEmpty: Bool { grid == nil }

    @inline(__always)
    func blocks(_ p: Point) -> Bool {
        guard let grid else { return false }
        return grid.firstWithin(p, radius: clearance, xs: xs, ys: ys) != nil
    }
}
