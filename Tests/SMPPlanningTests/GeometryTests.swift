import SMPHardware
import Testing

@testable import SMPPlanning

@Suite struct GeometryTests {
    let square = Ring([Point(0, 0), Point(10, 0), Point(10, 10), Point(0, 10)])

    @Test func areaAndContainment() {
        #expect(square.area == 100)
        #expect(square.contains(Point(5, 5)))
        #expect(!square.contains(Point(11, 5)))
        let donut = PolygonWithHoles(
            outer: square, holes: [Ring([Point(4, 4), Point(6, 4), Point(6, 6), Point(4, 6)])])
        #expect(!donut.contains(Point(5, 5)))
        #expect(donut.contains(Point(2, 2)))
        #expect(donut.area == 96)
    }

    @Test func closingVertexIsDropped() {
        #expect(Ring([Point(0, 0), Point(1, 0), Point(1, 1), Point(0, 0)]).points.count == 3)
    }

    @Test func selfIntersectionIsFound() {
        let bowtie = Ring([Point(0, 0), Point(10, 10), Point(10, 0), Point(0, 10)])
        #expect(bowtie.firstSelfIntersection() != nil)
        #expect(square.firstSelfIntersection() == nil)
    }

    @Test func polylineNearestAndSide() throws {
        let line = Polyline([Point(0, 0), Point(10, 0), Point(20, 0)], reach: 5)
        let above = try #require(line.nearest(to: Point(15, 2)))
        #expect(above.distance == 2)
        #expect(above.arc == 15)
        let below = try #require(line.nearest(to: Point(5, -1)))
        #expect(below.side != above.side)
        #expect(line.nearest(to: Point(100, 100)) == nil)
    }

    /// A row the line cannot be found from really finds nothing, and rows near the line are not skipped.
    @Test func rowsOutOfReachFindNoLine() {
        let line = Polyline([Point(0, 0), Point(10, 3), Point(20, -2), Point(26, 8)], reach: 4)
        var rng = SeededGenerator(seed: 3)
        var skipped = 0
        for _ in 0..<20_000 {
            let p = Point(rng.nextUnit() * 60 - 20, rng.nextUnit() * 60 - 25)
            if !line.mayFindLine(atY: p.y) {
                skipped += 1
                #expect(line.nearest(to: p) == nil, "\(p)")
            }
        }
        #expect(skipped > 1000)
        #expect(line.mayFindLine(atY: 0) && line.mayFindLine(atY: 8))
    }

    /// The ramp's full-density shortcut (rows at t >= 1) gives what interpolating would.
    @Test func hairlineRampShortcutMatchesInterpolation() throws {
        let plan = try Fixtures.plan(StripSamplingTests.wideHairlinePlan)
        let spec = try #require(plan.hairline)
        let field = HairlineField(spec: spec, region: plan.regions[0].shape, seed: 11)
        // The ramp reads the field's storage: the field must outlive it.
        defer { withExtendedLifetime(field) {} }
        let ramp = field.ramp
        var rng = SeededGenerator(seed: 4)
        var full = 0
        for _ in 0..<20_000 {
            let p = Point(20 + rng.nextUnit() * 100, 20 + rng.nextUnit() * 30)
            let t = ramp.coordinate(at: p)
            let smooth = min(max(t, 0), 1) * min(max(t, 0), 1) * (3 - 2 * min(max(t, 0), 1))
            let expected = t < 0 ? 0 : t >= 1 ? 1 : ramp.frontDensityFraction + (1 - ramp.frontDensityFraction) * smooth
            #expect(abs(ramp.fraction(at: p) - expected) < 1e-12, "\(p)")
            if t >= 1 { full += 1 }
        }
        #expect(full > 5000)
    }

    @Test func portableSineMatchesLibm() {
        var x = -20.0
        while x < 20 {
            #expect(abs(PortableMath.sin(x) - _sinReference(x)) < 1e-9)
            x += 0.173
        }
    }

    @Test func seededGeneratorIsReproducible() {
        var a = SeededGenerator(seed: 42)
        var b = SeededGenerator(seed: 42)
        var c = SeededGenerator(seed: 43)
        let sa = (0..<100).map { _ in a.next() }
        #expect(sa == (0..<100).map { _ in b.next() })
        #expect(sa != (0..<100).map { _ in c.next() })
        var d = SeededGenerator(seed: 1)
        for _ in 0..<1000 {
            let u = d.nextUnit()
            #expect(u >= 0 && u < 1)
        }
    }
}

#if canImport(Glibc)
    import Glibc
    private func _sinReference(_ x: Double) -> Double { Glibc.sin(x) }
#else
    import Darwin
    private func _sinReference(_ x: Double) -> Double { Darwin.sin(x) }
#endif
