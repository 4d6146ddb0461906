import Foundation
import SMPHardware
import SMPPlanning
import Testing

/// Plans, the simulated patient and the reports share SMPHardware's one head frame (forehead at y = 0). Before it
/// existed the simulator had the forehead at y = 200, so the example's hairline was graded as occiput and crown.
@Suite("One head frame for plans and grading")
struct HeadFrameGradingTests {
    @Test("the example hairline is graded as front (temples at its ends), its crown as crown")
    func exampleHairlineIsFront() throws {
        let plan = try PlanLoader.load(
            contentsOf: Fixtures.examples.appendingPathComponent("norwood5.json"), displayName: "norwood5.json")
        let line = try #require(plan.hairline?.line)
        try #require(line.count > 10)
        let regions = line.map { ScalpRegion.at(x: $0.x, y: $0.y) }
        #expect(regions.allSatisfy { $0 == .front || $0 == .temples }, "\(Set(regions))")
        #expect(regions.filter { $0 == .front }.count * 2 > regions.count)
        #expect(ScalpRegion.at(x: 100, y: 138) == .crown)
    }
}
