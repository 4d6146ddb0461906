import Foundation
import SMPHardware
import Testing

@testable import SMPPlanning

/// The generator samples each region in strips on several threads: the dots must not depend on that.
@Suite struct StripSamplingTests {
    /// A 100 x 30 mm hairline region behind a wavy line, 3 sessions, with existing hairs and a hole: several
    /// strips per layer, strips that cross the ramp, the hole and the hairs.
    static let wideHairlinePlan = """
        {"format": "smpctl-plan/1", "seed": 11, "session": {"index": 1, "of": 3},
         "regions": [{"name": "front", "kind": "hairline", "polygon": [[20,20],[120,20],[120,50],[20,50]],
                      "holes": [[[60,35],[66,35],[66,41],[60,41]]], "density": 100, "profile": "thin"}],
         "hairline": {"polyline": [[20,20],[70,23],[120,20]], "transition_mm": 10,
                      "macro": {"amplitude_mm": 3, "wavelength_mm": 25}},
         "existing_hairs": {"clearance_mm": 0.7, "positions": [[30, 40], [45.5, 31.2], [90, 44], [101, 27]]}}
        """

    @Test func dotsAreTheSameOnOneThreadAndOnAll() throws {
        let plan = try Fixtures.plan(Self.wideHairlinePlan)
        let parallel = try DotGenerator.generate(plan, parallel: true)
        #expect(parallel.count > 1000)
        Self.expectSame(parallel, try DotGenerator.generate(plan, parallel: false), "wide hairline plan")
    }

    @Test func theExamplesAreTheSameOnOneThreadAndOnAll() throws {
        for name in ["norwood5", "scar-coverage"] {
            let plan = try PlanLoader.load(
                contentsOf: Fixtures.examples.appendingPathComponent("\(name).json"), displayName: name)
            Self.expectSame(
                try DotGenerator.generate(plan, parallel: true), try DotGenerator.generate(plan, parallel: false), name)
        }
    }

    /// Compares two dot lists and names the first difference (the lists themselves are too long to print).
    static func expectSame(_ a: [PlannedDot], _ b: [PlannedDot], _ what: String) {
        #expect(a.count == b.count, "\(what): \(a.count) dots against \(b.count)")
        let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(
            first == nil,
            "\(what): first difference at dot \(first ?? 0): \(first.map { "\(a[$0]) against \(b[$0])" } ?? "")")
    }

    @Test func theTestPlanHasSeveralStrips() throws {
        let plan = try Fixtures.plan(Self.wideHairlinePlan)
        var builder = PatternBuilder(plan: plan, parallel: false)
        builder.fraction = 1
        builder.rebuildGrid(scale: 1)
        let box = try #require(plan.regions[0].shape.bounds)
        let strips = builder.stripColumns(region: 0, box: box, scale: 1)
        #expect(strips.count >= 3)
        // Bands cover the grid without gaps or overlaps, and each is wider than the reach.
        #expect(strips.first?.lowerBound == 0)
        #expect(strips.last?.upperBound == builder.grid.columns)
        for (a, b) in zip(strips, strips.dropFirst()) { #expect(a.upperBound == b.lowerBound) }
        let reachColumns = builder.reach(region: 0, scale: 1) / builder.grid.cell
        for band in strips { #expect(Double(band.count) > reachColumns) }
    }

    /// Where two strips meet, the pattern is as dense and as well spaced as anywhere else.
    @Test func stripSeamsLeaveNoTrace() throws {
        let plan = try Fixtures.plan(Fixtures.square(side: 120, density: 100, seed: 3))
        let dots = try DotGenerator.generate(plan).map(\.position)
        var builder = PatternBuilder(plan: plan, parallel: false)
        builder.fraction = 1
        builder.rebuildGrid(scale: 1)
        let box = try #require(plan.regions[0].shape.bounds)
        let seams = builder.stripColumns(region: 0, box: box, scale: 1).dropFirst().map {
            builder.grid.origin.x + Double($0.lowerBound) * builder.grid.cell
        }
        #expect(seams.count >= 6)
        // Dots per cm2 in a 2 mm band along each seam, away from the square's edges. (Phase-two strips that did
        // not grow on from their neighbours' dots left the seams 3-7 % sparse.)
        var densities: [Double] = []
        for seam in seams {
            let band = dots.filter { abs($0.x - seam) < 1 && $0.y > 52 && $0.y < 168 }
            densities.append(Double(band.count) / (2 * 116) * 100)
        }
        for density in densities { #expect(abs(density - 100) < 6, "seams: \(densities) dots/cm2") }
        let mean = densities.reduce(0, +) / Double(densities.count)
        #expect(abs(mean - 100) < 3, "seams: \(densities) dots/cm2")
        // Spacing across a seam is as wide as the pattern's anywhere.
        let nearSeams = dots.filter { p in seams.contains { abs(p.x - $0) < 2 } }
        let rhoNearSeams = PatternMetrics.minimumDistance(nearSeams) / 2 / (1 / (2 * 3.0.squareRoot())).squareRoot()
        #expect(rhoNearSeams >= 0.78, "rho across seams \(rhoNearSeams)")
    }

    /// Radii 8 % too large make every layer grow short: the region is regrown as one strip with smaller radii
    /// until it holds its share, and the result is still exact, clear of hairs, inside, and thread-independent.
    @Test func aRegionThatGrowsShortIsRegrown() throws {
        let plan = try Fixtures.plan(Self.wideHairlinePlan)
        func generate(parallel: Bool) -> PatternBuilder {
            var builder = PatternBuilder(plan: plan, parallel: parallel)
            builder.radiusScale = 1.08
            builder.run()
            return builder
        }
        let builder = generate(parallel: true)
        let normal = try DotGenerator.generate(plan)
        let dots = builder.result()
        // Same counts per session as the normal run: each layer still ends with exactly its share.
        for session in 1...3 {
            #expect(dots.filter { $0.session == session }.count == normal.filter { $0.session == session }.count)
        }
        for dot in dots where !dot.isSentinel {
            #expect(plan.regions[0].shape.contains(dot.position))
            for hair in plan.existingHairs { #expect(dot.position.distance(to: hair) >= 0.7) }
        }
        // Spacing: no closer than the regrown radius (0.93^3 of 1.25 kappa at the full density, 1 dot/mm2).
        let floor = 1.08 * pow(0.93, 3) * DotGenerator.kappa * DotGenerator.laterLayerScale
        #expect(PatternMetrics.minimumDistance(dots.filter { !$0.isSentinel }.map(\.position)) >= floor * 0.999)
        Self.expectSame(dots, generate(parallel: false).result(), "regrown plan")
    }

    @Test func removalsAddUpToTheSurplusAndStayWithinEachStrip() {
        // existing, grown, share
        let strips = [(0, 120, 100), (10, 80, 100), (0, 130, 100), (50, 70, 40)]
        let alive = strips.reduce(0) { $0 + $1.0 + $1.1 }
        for needed in [300, 340, 350, 360, 400] {
            let removal = PatternBuilder.removals(
                existing: strips.map(\.0), grown: strips.map(\.1), shares: strips.map(\.2), surplus: alive - needed)
            #expect(removal.reduce(0, +) == alive - needed)
            for (k, strip) in strips.enumerated() { #expect(removal[k] >= 0 && removal[k] <= strip.1) }
        }
        // With no shortfall anywhere, each strip removes exactly its own excess.
        let exact = PatternBuilder.removals(existing: [0, 0], grown: [110, 105], shares: [100, 100], surplus: 15)
        #expect(exact == [10, 5])
    }
}

@Suite struct SamplingGridTests {
    /// The grid's neighbourhood queries agree with brute force, for radii from under a cell to several cells.
    @Test func neighbourhoodQueriesMatchBruteForce() {
        var rng = SeededGenerator(seed: 5)
        let grid = SamplingGrid(origin: Point(0, 0), finestRadius: 1, columns: 30, rows: 30)
        var points: [Point] = []
        // Single occupancy: at most one point per cell, as the sampler keeps it.
        for row in 0..<30 {
            for column in 0..<30 where rng.nextUnit() < 0.6 {
                let p = Point(
                    (Double(column) + rng.nextUnit()) * grid.cell, (Double(row) + rng.nextUnit()) * grid.cell)
                grid.insert(Int32(points.count), at: p)
                points.append(p)
            }
        }
        for _ in 0..<500 {
            let q = Point(rng.nextUnit() * 24 - 1, rng.nextUnit() * 24 - 1)
            let radius = 0.1 + rng.nextUnit() * 3
            let expected = Set(points.indices.filter { points[$0].distance(to: q) < radius })
            var found: Set<Int> = []
            grid.forEachWithin(q, radius: radius) { cell, _ in found.insert(Int(grid.slot(at: cell))) }
            #expect(found == expected)
            #expect(grid.anyWithin(q, radius: radius) == !expected.isEmpty)
        }
    }

    /// The grid's cell numbering is floor, off cell edges; on an edge it may round either way.
    @Test func cellNumbersAreFloor() {
        var rng = SeededGenerator(seed: 9)
        for _ in 0..<100_000 {
            let v = (rng.nextUnit() - 0.5) * 4000
            if v == v.rounded() { continue }
            #expect(SamplingGrid.cellNumber(v) == Int(v.rounded(.down)), "\(v)")
        }
        for edge in [-3.0, -1, 0, 1, 2, 1000] { #expect(abs(SamplingGrid.cellNumber(edge) - Int(edge)) <= 1) }
        #expect(SamplingGrid.cellNumber(-0.25) == -1)
        #expect(SamplingGrid.cellNumber(2.999_999) == 2)
    }

    @Test func removedDotsAreGone() {
        let grid = SamplingGrid(origin: Point(0, 0), finestRadius: 1, columns: 4, rows: 4)
        let p = Point(1.2, 1.3)
        grid.insert(7, at: p)
        #expect(!grid.isFree(p))
        #expect(grid.slot(at: grid.cellIndex(p)) == 7)
        grid.remove(at: p)
        #expect(grid.isFree(p))
        #expect(!grid.anyWithin(p, radius: 5))
    }
}

@Suite struct ChunkedWorkTests {
    @Test func chunksComeBackInOrderOnAnyNumberOfThreads() {
        for total in [0, 1, 7, 8, 100] {
            let parallel = ChunkedWork.map(total, parallel: true) { Array($0) }
            let serial = ChunkedWork.map(total, parallel: false) { Array($0) }
            #expect(parallel == serial)
            #expect(Array(parallel.joined()) == Array(0..<total))
        }
    }
}
