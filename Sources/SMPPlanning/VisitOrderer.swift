/// Puts a session's dots in visiting order: grouped by needle (finest first, one cartridge change per needle
/// type) and within a needle by pigment (weakest dilution first, then by name: a pigment change is a cartridge
/// change too), each group ordered for short travel, entered from where the previous group ended (the first from
/// home).
public enum VisitOrderer {
    public struct Result: Sendable {
        public var dots: [PlannedDot]
        /// XY travel between consecutive dots, home to the first dot included, mm.
        public var travelMM: Double
        public var stoppedByClock: Bool
    }

    public static func order(
        _ dots: [PlannedDot], regions: [PlanRegion], home: Point = Point(0, 0),
        options: TourOptimizer.Options = TourOptimizer.Options()
    ) -> Result {
        struct GroupKey: Hashable, Comparable {
            var needleRank: Int
            var dilution: Double
            var pigment: String
            static func < (a: GroupKey, b: GroupKey) -> Bool {
                (a.needleRank, a.dilution, a.pigment) < (b.needleRank, b.dilution, b.pigment)
            }
        }
        var groups: [GroupKey: [PlannedDot]] = [:]
        for dot in dots {
            let region = regions[dot.regionIndex]
            let pigment = region.pigment(session: dot.session)
            let key = GroupKey(
                needleRank: region.needle.orderRank, dilution: pigment?.dilution ?? 0, pigment: pigment?.name ?? "")
            groups[key, default: []].append(dot)
        }
        var ordered: [PlannedDot] = []
        ordered.reserveCapacity(dots.count)
        var here = home
        var travel = 0.0
        var stopped = false
        for rank in groups.keys.sorted() {
            // Sort by id first so that the tour never depends on dictionary or generation details.
            let group = (groups[rank] ?? []).sorted { $0.id < $1.id }
            let tour = TourOptimizer.order(group.map(\.position), start: here, options: options)
            stopped = stopped || tour.stoppedByClock
            for i in tour.order {
                travel += here.distance(to: group[i].position)
                here = group[i].position
                ordered.append(group[i])
            }
        }
        return Result(dots: ordered, travelMM: travel, stoppedByClock: stopped)
    }
}
