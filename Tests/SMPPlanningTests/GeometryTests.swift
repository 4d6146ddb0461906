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
            let u = d.unit()
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
