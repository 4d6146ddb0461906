import Foundation
import SMPHardware
import Testing

@testable import SMPPlanning

@Suite struct OrderingTests {
    func randomPoints(_ n: Int, seed: UInt64) -> [Point] {
        var rng = SeededGenerator(seed: seed)
        return (0..<n).map { _ in Point(rng.nextUnit() * 60, rng.nextUnit() * 60) }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 17, 600])
    func everyPointExactlyOnce(n: Int) {
        let points = randomPoints(n, seed: UInt64(n))
        let result = TourOptimizer.order(points, start: Point(0, 0))
        #expect(result.order.sorted() == Array(0..<n))
    }

    @Test func localSearchBeatsNearestNeighbour() {
        let points = randomPoints(1500, seed: 9)
        let index = SpatialIndex(points)
        let nn = index.nearestNeighbourTour(from: index.nearest(to: Point(0, 0)))
        let nnLength = TourOptimizer.length(points, order: nn)
        let improved = TourOptimizer.order(points, start: Point(0, 0))
        let length = TourOptimizer.length(points, order: improved.order)
        #expect(length < 0.9 * nnLength, "\(length) vs NN \(nnLength)")
        // Random uniform points: a good tour is near 0.7124 sqrt(N A) (Beardwood-Halton-Hammersley) plus a
        // boundary term; 2-opt + Or-opt should land within ~8 % of that.
        let bhh = 0.7124 * (1500.0 * 3600).squareRoot()
        #expect(length < 1.12 * bhh, "\(length) vs BHH \(bhh)")
    }

    @Test func orderIsDeterministic() {
        let points = randomPoints(800, seed: 4)
        #expect(
            TourOptimizer.order(points, start: Point(0, 0)).order
                == TourOptimizer.order(points, start: Point(0, 0)).order)
    }

    @Test func groupedByNeedleFinestFirst() throws {
        let plan = try PlanLoader.load(
            contentsOf: Fixtures.examples.appendingPathComponent("scar-coverage.json"), displayName: "scar")
        let result = try Planner.run(plan)
        let ranks = result.sessionDots.map { plan.regions[$0.regionIndex].needle.orderRank }
        #expect(ranks == ranks.sorted())
        #expect(result.needleChanges == 1)
        #expect(Set(result.sessionDots.map(\.id)).count == result.sessionDots.count)
        #expect(result.sessionDots.allSatisfy { $0.session == 1 })
    }
}

@Suite struct DotsDocumentTests {
    @Test func fixedDecimals() {
        #expect(DotsDocument.fixed(12.3456, 3) == "12.346")
        #expect(DotsDocument.fixed(-0.0004, 3) == "0.000")
        #expect(DotsDocument.fixed(-1.5, 1) == "-1.5")
        #expect(DotsDocument.fixed(7, 0) == "7")
        #expect(DotsDocument.quoted("a\"b\\c\n") == "\"a\\\"b\\\\c\\n\"")
    }

    @Test func samePlanSameBytes() throws {
        let url = Fixtures.examples.appendingPathComponent("quick.json")
        let first = DotsDocument.render(
            try Planner.run(try PlanLoader.load(contentsOf: url, displayName: "quick.json")))
        let second = DotsDocument.render(
            try Planner.run(try PlanLoader.load(contentsOf: url, displayName: "quick.json")))
        #expect(first == second)
        let parsed = try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any]
        let dots = try #require(parsed?["dots"] as? [[String: Any]])
        #expect(!dots.isEmpty)
        for key in ["id", "x", "y", "region", "session", "needle", "profile", "strokes"] {
            #expect(dots[0][key] != nil)
        }
    }
}
