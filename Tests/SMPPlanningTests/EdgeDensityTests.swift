import Foundation
import Testing

@testable import SMPPlanning

/// Density right up to a region's edge, feathered open edges and blended borders (issue 15).
@Suite struct EdgeDensityTests {
    /// Dots per cm^2 of `dots` in the band of the square [50, 50 + side]^2 between `inner` and `outer` mm from its
    /// edge (a square ring).
    static func ringDensity(_ dots: [Point], side: Double, from inner: Double, to outer: Double) -> Double {
        func depth(_ p: Point) -> Double { min(p.x - 50, p.y - 50, 50 + side - p.x, 50 + side - p.y) }
        let count = dots.filter { depth($0) >= inner && depth($0) < outer }.count
        let a = side - 2 * inner
        let b = side - 2 * outer
        return Double(count) / (a * a - b * b) * 100
    }

    @Test func uniformPatchHoldsItsDensityAwayFromTheEdges() throws {
        let plan = try Fixtures.plan(Fixtures.square(side: 40, density: 90, seed: 1))
        let dots = try DotGenerator.generate(plan).map(\.position)
        #expect(abs(Double(dots.count) - 1440) <= 15, "count \(dots.count)")
        // The interior: everything at least 4 mm from the edge (32 x 32 mm, ~920 dots).
        let interior = EdgeDensityTests.ringDensity(dots, side: 40, from: 4, to: 20.01)
        #expect(abs(interior - 90) / 90 <= 0.01, "interior \(interior) dots/cm2")
        // And no denser row along the edge: the outer 2 mm hold the density too (within counting noise).
        let rim = EdgeDensityTests.ringDensity(dots, side: 40, from: 0, to: 2)
        #expect(abs(rim - 90) / 90 <= 0.05, "outer 2 mm \(rim) dots/cm2")
    }

    @Test func uniformPatchInteriorOverSeeds() throws {
        for seed in [2, 3, 4] {
            let plan = try Fixtures.plan(Fixtures.square(side: 40, density: 90, seed: seed))
            let dots = try DotGenerator.generate(plan).map(\.position)
            let interior = EdgeDensityTests.ringDensity(dots, side: 40, from: 4, to: 20.01)
            #expect(abs(interior - 90) / 90 <= 0.01, "seed \(seed): interior \(interior) dots/cm2")
        }
    }
}
