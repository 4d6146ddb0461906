import SMPHardware
import SMPPlanning

extension SessionRecord {
    /// The plan's side of the record: the session executed and the plan's others (its dots at their planned
    /// positions), each dot's pigment diameter (its region's needle grouping), the region outlines and the hairline.
    public mutating func add(plan result: PlanResult) {
        planFile = result.plan.file
        session = result.plan.session.index
        sessionCount = result.plan.session.count
        var regionOfDot: [Int: Int] = [:]
        for dot in result.sessionDots { regionOfDot[dot.id] = dot.regionIndex }
        for index in dots.indices {
            dots[index].session = session
            if let region = regionOfDot[dots[index].planID] {
                dots[index].diameterMM = result.plan.regions[region].needle.diameterMM
            }
        }
        plannedDots = result.allDots.filter { $0.session != session }.map { dot in
            PlannedDotMark(
                position: dot.position, session: dot.session,
                diameterMM: result.plan.regions[dot.regionIndex].needle.diameterMM)
        }
        regions = result.plan.regions.map { region in
            RegionOutline(name: region.name, rings: [region.shape.outer.points] + region.shape.holes.map(\.points))
        }
        hairline = result.plan.hairline?.line ?? []
    }
}

extension SessionRecord {
    /// Each executed dot's target band from the plan, for a record that has no truth to take it from: the skin
    /// profile's deposit band of the dot's plan region, shifted by the regional modifier of the scalp region at the
    /// dot (DOMAIN.md's profile table, as the calibration aims).
    public mutating func addTargets(plan result: PlanResult) {
        var regionOfDot: [Int: Int] = [:]
        for dot in result.sessionDots { regionOfDot[dot.id] = dot.regionIndex }
        for index in dots.indices {
            guard let region = regionOfDot[dots[index].planID] else { continue }
            let band = result.plan.regions[region].profile.depositTargetMM
            let position = dots[index].position
            let modifier =
                SkinProfile.table.regionalModifiersMM[ScalpRegion.at(x: position.x, y: position.y).rawValue] ?? 0
            dots[index].targetMM = (band.lowerBound + modifier)...(band.upperBound + modifier)
        }
    }
}
