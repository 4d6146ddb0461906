import Foundation
import Testing

@testable import SMPPlanning

@Suite struct GenerationTests {
    /// 40 x 40 mm at 100 dots/cm2: 1,600 dots, small enough for a debug build.
    @Test func uniformRegionIsNaturalBlueNoise() throws {
        let plan = try Fixtures.plan(Fixtures.square())
        let dots = try DotGenerator.generate(plan)
        let rho = PatternMetrics.relativeRadius(dots.map(\.position), area: 1600)
        #expect(rho >= 0.75 && rho <= 0.90, "rho \(rho)")
        let density = Double(dots.count) / 16
        #expect(abs(density - 100) / 100 <= 0.03, "density \(density)")
    }

    @Test func everySessionPrefixIsBlueNoiseAtItsDensity() throws {
        let plan = try Fixtures.plan(Fixtures.square(sessions: 3))
        let dots = try DotGenerator.generate(plan)
        for (k, fraction) in plan.session.fractions.enumerated() {
            let prefix = dots.filter { $0.session <= k + 1 }.map(\.position)
            let rho = PatternMetrics.relativeRadius(prefix, area: 1600)
            #expect(rho >= 0.70, "sessions 1...\(k + 1): rho \(rho)")
            let density = Double(prefix.count) / 16
            #expect(
                abs(density - 100 * fraction) / (100 * fraction) <= 0.03, "sessions 1...\(k + 1): density \(density)")
        }
    }

    @Test func sameSeedSameDotsOtherSeedOtherDots() throws {
        let a = try DotGenerator.generate(try Fixtures.plan(Fixtures.square(side: 20, sessions: 3, seed: 5)))
        let b = try DotGenerator.generate(try Fixtures.plan(Fixtures.square(side: 20, sessions: 3, seed: 5)))
        let c = try DotGenerator.generate(try Fixtures.plan(Fixtures.square(side: 20, sessions: 3, seed: 6)))
        #expect(a == b)
        #expect(a.map(\.position) != c.map(\.position))
        #expect(Set(a.map(\.id)).count == a.count)
    }

    @Test func dotsStayInsideRegionsAndClearOfHairsAndHoles() throws {
        let json = Fixtures.square(
            side: 30,
            extra: #", "existing_hairs": {"clearance_mm": 0.8, "positions": [[60, 60], [65.5, 70.2], [72, 61]]}"#
        ).replacingOccurrences(
            of: "\"density\": 100", with: "\"density\": 100, \"holes\": [[[70,70],[76,70],[76,76],[70,76]]]")
        let plan = try Fixtures.plan(json)
        let dots = try DotGenerator.generate(plan)
        #expect(!dots.isEmpty)
        for dot in dots {
            #expect(plan.regions[0].shape.contains(dot.position))
            for hair in plan.existingHairs { #expect(dot.position.distance(to: hair) >= 0.8) }
        }
        // Realised density accounts for the hole and the hairs' clearance discs.
        let area = 900.0 - 36 - 3 * Double.pi * 0.64
        #expect(abs(Double(dots.count) / area * 100 - 100) <= 3)
    }

    @Test func scarTakesPrecedenceWithItsOwnNeedleAndSpacing() throws {
        let plan = try PlanLoader.load(
            contentsOf: Fixtures.examples.appendingPathComponent("scar-coverage.json"), displayName: "scar")
        let dots = try DotGenerator.generate(plan)
        let scar = plan.regions[0]
        let scarDots = dots.filter { $0.regionIndex == 0 }
        #expect(!scarDots.isEmpty)
        for dot in dots where scar.shape.contains(dot.position) { #expect(dot.regionIndex == 0) }
        #expect(scar.needle.name == "1RL")
        let expected = scar.shape.area * scar.densityPerCM2 / 100
        #expect(abs(Double(scarDots.count) - expected) / expected < 0.05)
    }

    @Test func hairlineRampsUpBehindAnIrregularAsymmetricLine() throws {
        let json = """
            {"format": "smpctl-plan/1", "seed": 3,
             "regions": [{"name": "front", "kind": "hairline", "polygon": [[40,40],[160,40],[160,70],[40,70]], "density": 80, "profile": "thin"}],
             "hairline": {"polyline": [[40,40],[160,40]], "transition_mm": 8, "macro": {"amplitude_mm": 3, "wavelength_mm": 30},
                          "micro": {"amplitude_mm": 0.6, "wavelength_mm": 4}, "sentinels_per_100mm": 5}}
            """
        let plan = try Fixtures.plan(json)
        let dots = try DotGenerator.generate(plan)
        func count(_ y0: Double, _ y1: Double) -> Int {
            dots.filter { !$0.isSentinel && $0.position.y >= y0 && $0.position.y < y1 }.count
        }
        // Sparse near the line, full density well behind it.
        let front = Double(count(40, 46)) / (120 * 6)
        let back = Double(count(55, 70)) / (120 * 15)
        #expect(front < 0.6 * back, "front \(front) back \(back)")
        #expect(abs(back * 100 - 80) / 80 < 0.05)
        // Sentinels: a few, in front of the line.
        let sentinels = dots.filter(\.isSentinel)
        #expect(sentinels.count >= 3 && sentinels.count <= 6)
        // Not left-right symmetric: the front-most dot per 10 mm column differs from its mirror column.
        var frontEdge: [Double] = []
        for column in 0..<12 {
            let x0 = 40 + Double(column) * 10
            let ys = dots.filter { !$0.isSentinel && $0.position.x >= x0 && $0.position.x < x0 + 10 }.map(\.position.y)
            frontEdge.append(ys.min() ?? 0)
        }
        let asymmetry = (0..<6).map { abs(frontEdge[$0] - frontEdge[11 - $0]) }.reduce(0, +)
        #expect(asymmetry > 1, "front edge \(frontEdge)")
        // The field recedes irregularly: its recess varies by more than half the macro amplitude along the line.
        let spec = try #require(plan.hairline)
        let field = HairlineField(spec: spec, region: plan.regions[0].shape, seed: 3)
        let recesses = stride(from: 0.0, through: 120, by: 1).map(field.recess(at:))
        #expect((recesses.max() ?? 0) - (recesses.min() ?? 0) > 1.5)
    }

    @Test func explicitDotsAreValidatedNotRegenerated() throws {
        let plan = try PlanLoader.load(
            contentsOf: Fixtures.examples.appendingPathComponent("explicit-dots.json"), displayName: "explicit")
        let dots = try DotGenerator.generate(plan)
        #expect(dots.map(\.position) == plan.explicitDots)
        let clash = Fixtures.square(extra: #", "dots": [[60, 60], [60.1, 60]]"#)
        let error = try #require(Fixtures.error(clash))
        #expect(error.location == "dots[1]")
    }

    @Test func metricsOnKnownPatterns() {
        // A hexagonal lattice has rho close to 1.
        var lattice: [Point] = []
        for row in 0..<20 {
            for column in 0..<20 {
                lattice.append(Point(Double(column) + (row % 2 == 0 ? 0 : 0.5), Double(row) * 3.0.squareRoot() / 2))
            }
        }
        let area = 20 * 20 * 3.0.squareRoot() / 2
        #expect(abs(PatternMetrics.relativeRadius(lattice, area: area) - 1) < 0.01)
        #expect(PatternMetrics.minimumDistance([Point(0, 0), Point(3, 4)]) == 5)
    }
}
