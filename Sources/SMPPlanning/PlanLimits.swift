/// What one plan may ask for, checked before any dot is placed: planning's memory and time grow with the dots,
/// the box the regions span (the planning grids cover it) and the outlines' length, and a board file with a
/// long travel would otherwise let a small plan ask for gigabytes. Docs/PlanFormat.md, "Limits".
public enum PlanLimits {
    /// Dots over all sessions together: the sum over regions of area times density. The same bound as an
    /// explicit `dots` list. About 130 bytes and 1.5 us each to plan.
    public static let maxDots = 1_000_000
    /// The box spanned by all regions, mm2 (1 m2: about 30 MB of planning grids).
    public static let maxBoxAreaMM2 = 1_000_000.0
    /// Every region's outline and hole edges, mm, and their vertices, all regions together.
    public static let maxOutlineLengthMM = 20_000.0
    public static let maxVertices = 100_000
    /// The hairline's length, mm (a real one is 150-300 mm).
    public static let maxHairlineLengthMM = 2_000.0

    /// Running totals over a plan's regions; `add` throws at the first region that takes a total over its cap.
    struct Budget {
        var dots = 0.0
        var box: Rect?
        var outline = 0.0
        var vertices = 0

        mutating func add(_ region: PlanRegion, node: JSONNode) throws {
            let shape = region.shape
            let rings = [shape.outer] + shape.holes
            let areaCM2 = shape.area / 100
            let estimate = areaCM2 * region.densityPerCM2
            dots += estimate
            if dots > Double(PlanLimits.maxDots) {
                let mine =
                    "region \"\(printableText(region.name))\" would make about \(grouped(Int(estimate.rounded()))) dots (\(grouped(Int(areaCM2.rounded()))) cm2 at \(decimal(region.densityPerCM2)) dots/cm2)"
                let total = estimate == dots ? "" : "; \(grouped(Int(dots.rounded()))) with the regions before it"
                throw node.fail(
                    "\(mine)\(total); expected at most \(grouped(PlanLimits.maxDots)) dots in all sessions together")
            }
            vertices += rings.reduce(0) { $0 + $1.points.count }
            if vertices > PlanLimits.maxVertices {
                throw node.fail(
                    "the regions up to this one have \(grouped(vertices)) vertices; expected at most \(grouped(PlanLimits.maxVertices)) in a plan"
                )
            }
            for ring in rings {
                var previous = ring.points[ring.points.count - 1]
                for p in ring.points {
                    outline += previous.distance(to: p)
                    previous = p
                }
            }
            if outline > PlanLimits.maxOutlineLengthMM {
                throw node.fail(
                    "the outlines up to this region are \(grouped(Int(outline.rounded()))) mm long; expected at most \(grouped(Int(PlanLimits.maxOutlineLengthMM))) mm in a plan"
                )
            }
            if let b = shape.bounds { box = box.map { $0.union(b) } ?? b }
            if let box, box.width * box.height > PlanLimits.maxBoxAreaMM2 {
                throw node.fail(
                    "the regions up to this one span \(decimal((box.width * 10).rounded() / 10)) x \(decimal((box.height * 10).rounded() / 10)) mm (\(grouped(Int((box.width * box.height).rounded()))) mm2); expected a box of at most \(grouped(Int(PlanLimits.maxBoxAreaMM2))) mm2 (1 m2)"
                )
            }
        }
    }
}
