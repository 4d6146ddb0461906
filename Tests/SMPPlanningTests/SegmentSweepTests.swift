import Foundation
import SMPHardware
import SMPPlanningTesting
import Testing

@testable import SMPPlanning

/// The sweep that finds crossing edges: the same answer as testing every pair, and work bounded by the input.
@Suite struct SegmentSweepTests {
    /// Every pair of edges, with the sweep's rule: neighbours along one ring (after dropping repeated
    /// consecutive vertices) may share their vertex, and nothing more.
    static func bruteForceCrosses(_ rings: [[Point]]) -> Bool {
        var edges: [(Point, Point, ring: Int, position: Int, count: Int)] = []
        for (r, ring) in rings.enumerated() {
            var kept: [(Point, Point)] = []
            for e in 0..<ring.count where ring[e] != ring[(e + 1) % ring.count] {
                kept.append((ring[e], ring[(e + 1) % ring.count]))
            }
            for (k, (a, b)) in kept.enumerated() { edges.append((a, b, r, k, kept.count)) }
        }
        for i in 0..<edges.count {
            for j in (i + 1)..<edges.count {
                let a = edges[i]
                let b = edges[j]
                if a.ring == b.ring {
                    let gap = abs(a.position - b.position)
                    if gap == 1 || gap == a.count - 1 {
                        if SegmentSweep.neighboursOverlap(a.0, a.1, b.0, b.1) { return true }
                        continue
                    }
                }
                if Ring.segmentsIntersect(a.0, a.1, b.0, b.1) { return true }
            }
        }
        return false
    }

    @Test("random polygons in general position: the sweep agrees with testing every pair")
    func agreesWithBruteForceOnRandomPolygons() {
        var rng = SeededGenerator(seed: 11)
        var crossing = 0
        for _ in 0..<3000 {
            let n = 4 + Int(rng.next() % 12)
            let ring = (0..<n).map { _ in
                Point(Double(rng.next() % 1_000_000) / 1000, Double(rng.next() % 1_000_000) / 1000)
            }
            let expected = Self.bruteForceCrosses([ring])
            if expected { crossing += 1 }
            #expect((SegmentSweep.firstCrossing([ring]) != nil) == expected, "\(ring)")
        }
        // Both outcomes were exercised.
        #expect(crossing > 100 && crossing < 2900)
    }

    @Test("random polygons on a 5 x 5 grid (shared vertices, collinear and vertical edges): the sweep agrees")
    func agreesWithBruteForceOnDegeneratePolygons() {
        var rng = SeededGenerator(seed: 12)
        var simple = 0
        for _ in 0..<20000 {
            let n = 3 + Int(rng.next() % 6)
            let ring = (0..<n).map { _ in Point(Double(rng.next() % 5), Double(rng.next() % 5)) }
            let expected = Self.bruteForceCrosses([ring])
            if !expected { simple += 1 }
            #expect((SegmentSweep.firstCrossing([ring]) != nil) == expected, "\(ring)")
        }
        #expect(simple > 500)
    }

    @Test("several rings: a hole crossing the outline or another hole is found like a self-crossing")
    func agreesWithBruteForceAcrossRings() {
        var rng = SeededGenerator(seed: 13)
        for _ in 0..<3000 {
            let rings = (0..<(2 + Int(rng.next() % 3))).map { _ in
                (0..<(3 + Int(rng.next() % 4))).map { _ in Point(Double(rng.next() % 7), Double(rng.next() % 7)) }
            }
            #expect((SegmentSweep.firstCrossing(rings) != nil) == Self.bruteForceCrosses(rings), "\(rings)")
        }
    }

    @Test("a polygon going round one rectangle 1,500 times is refused after a handful of tests")
    func lappedRectangleStopsAtTheFirstCrossing() {
        for n in [3001, 6001, 100_000] {
            let (crossing, tests) = SegmentSweep.search([AdversarialInputs.lappedRectangle(vertices: n)])
            #expect(crossing != nil)
            #expect(tests < 100, "\(n) vertices: \(tests) pair tests")
        }
    }

    @Test("a simple comb of 100,000 vertices: linear in tests")
    func simpleCombCostsLinearWork() {
        // Teeth 0.002 mm wide: a grid of buckets would hold thousands of edges per cell.
        let points = AdversarialInputs.comb()
        let (crossing, tests) = SegmentSweep.search([points])
        #expect(crossing == nil)
        // Each insertion and removal tests at most two pairs.
        #expect(tests <= 3 * points.count)
    }
}
