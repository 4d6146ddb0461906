import Foundation
import SMPHardware
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
        #expect(dots.count == 1440, "count \(dots.count)")
        // The interior: everything at least 4 mm from the edge (32 x 32 mm, ~920 dots).
        let interior = EdgeDensityTests.ringDensity(dots, side: 40, from: 4, to: 20.01)
        #expect(abs(interior - 90) / 90 <= 0.01, "interior \(interior) dots/cm2")
        // And no denser row along the edge: the outer 2 mm hold the density too (within counting noise).
        let rim = EdgeDensityTests.ringDensity(dots, side: 40, from: 0, to: 2)
        #expect(abs(rim - 90) / 90 <= 0.05, "outer 2 mm \(rim) dots/cm2")
    }

    /// The interior over seeds 1-40: the mean within 0.15 % (no bias: it was +0.16 % with the boundary cells'
    /// integral too high) and every seed within 1.5 %. Counting noise alone puts a 32 mm window's count off by
    /// 0.39 % (sd) even over a perfect hexagonal lattice at a random offset and angle, and beyond 1 % on 3.6 % of
    /// placements (rows nearly parallel to the window's edges enter or leave it whole); the generator's sd is
    /// ~0.54 %, so 1 % per seed is not a bound but about 1.8 sd: 7 % of seeds 1-400 are beyond it
    /// (Docs/PlanFormat.md, *Generation*; the 400-seed command is in Docs/Performance.md).
    @Test func uniformPatchInteriorOverSeeds() throws {
        var errors: [Double] = []
        for seed in 1...40 {
            let plan = try Fixtures.plan(Fixtures.square(side: 40, density: 90, seed: seed))
            let dots = try DotGenerator.generate(plan).map(\.position)
            try #require(dots.count == 1440, "seed \(seed): count \(dots.count)")
            let interior = EdgeDensityTests.ringDensity(dots, side: 40, from: 4, to: 20.01)
            #expect(abs(interior - 90) / 90 <= 0.015, "seed \(seed): interior \(interior) dots/cm2")
            errors.append((interior - 90) / 90)
        }
        let mean = errors.reduce(0, +) / Double(errors.count)
        #expect(abs(mean) <= 0.0015, "mean interior error \(mean * 100) %")
        // Most seeds are within 1 %: 93 % of seeds 1-400 (37 of 40 expected; 39 here), where without the tile
        // quotas it was 86 % (34 of these 40).
        let within = errors.filter { abs($0) <= 0.01 }.count
        #expect(within >= 36, "\(within) of 40 seeds within 1 %")
    }

    /// The long form of `uniformPatchInteriorOverSeeds`, run only when SMPCTL_INTERIOR_SEEDS is set (to the
    /// number of seeds): `SMPCTL_INTERIOR_SEEDS=400 swift test --filter interiorDistributionOverManySeeds`. Prints
    /// the interior's mean error, sd and largest error, how many seeds are beyond 1 %, and the same window's sd
    /// over a perfect hexagonal lattice (random offset and angle): the counting noise no pattern avoids.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["SMPCTL_INTERIOR_SEEDS"] != nil))
    func interiorDistributionOverManySeeds() throws {
        let seeds = Int(ProcessInfo.processInfo.environment["SMPCTL_INTERIOR_SEEDS"] ?? "") ?? 400
        try #require(seeds >= 2)
        var errors: [Double] = []
        for seed in 1...seeds {
            let plan = try Fixtures.plan(Fixtures.square(side: 40, density: 90, seed: seed))
            let dots = try DotGenerator.generate(plan).map(\.position)
            errors.append((EdgeDensityTests.ringDensity(dots, side: 40, from: 4, to: 20.01) - 90) / 90)
        }
        let mean = errors.reduce(0, +) / Double(seeds)
        let sd = (errors.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(seeds - 1)).squareRoot()
        let beyond = errors.filter { abs($0) > 0.01 }.count
        let lattice = EdgeDensityTests.latticeWindowErrors(density: 0.9, side: 32, trials: 2000)
        print(
            "interior over seeds 1-\(seeds): mean \(mean * 100) %, sd \(sd * 100) %, largest "
                + "\((errors.map(abs).max() ?? 0) * 100) %, \(beyond) beyond 1 %; hexagonal lattice sd "
                + "\(lattice.sd * 100) %, \(lattice.beyondOnePercent * 100) % of placements beyond 1 %"
        )
        #expect(abs(mean) <= 0.001 && Double(beyond) <= 0.1 * Double(seeds), "mean \(mean), \(beyond) beyond 1 %")
    }

    /// The count in a side x side window over a hexagonal lattice of the given density (dots per mm^2) at a
    /// random offset and angle: its relative sd, and the share of placements more than 1 % off.
    static func latticeWindowErrors(density: Double, side: Double, trials: Int) -> (
        sd: Double, beyondOnePercent: Double
    ) {
        let a = (2 / (3.0.squareRoot() * density)).squareRoot()
        let n = Int(side / a) + 3
        var rng = SeededGenerator(seed: 1, stream: 0x4C41_5454)
        var counts: [Double] = []
        for _ in 0..<trials {
            let angle = rng.nextUnit() * Double.pi
            let (c, s) = (cos(angle), sin(angle))
            let (ox, oy) = (rng.nextUnit() * a, rng.nextUnit() * a)
            var count = 0
            for j in -n...n {
                for i in -n...n {
                    let x = (Double(i) + 0.5 * Double(j)) * a + ox
                    let y = Double(j) * 3.0.squareRoot() / 2 * a + oy
                    let (u, v) = (c * x - s * y, s * x + c * y)
                    if abs(u) < side / 2 && abs(v) < side / 2 { count += 1 }
                }
            }
            counts.append(Double(count))
        }
        let mean = counts.reduce(0, +) / Double(trials)
        let variance = counts.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(trials - 1)
        let expected = density * side * side
        let beyond = counts.filter { abs($0 - expected) > 0.01 * expected }.count
        return (variance.squareRoot() / mean, Double(beyond) / Double(trials))
    }

    /// The layer's count is the density integral over the region, whatever the region's offset against the
    /// raster: edges off the raster's cell borders once took a quarter cell too much along every such edge.
    @Test func countMatchesTheAreaOffTheRaster() throws {
        for (side, density) in [(40.0, 90.0), (37.3, 90.0), (23.9, 150.0), (61.7, 40.0)] {
            let plan = try Fixtures.plan(Fixtures.square(side: side, density: density, seed: 3))
            let dots = try DotGenerator.generate(plan)
            let expected = side * side * density / 100
            #expect(
                abs(Double(dots.count) - expected) <= max(1, 0.001 * expected),
                "\(side) mm: \(dots.count) dots, area x density \(expected)")
        }
    }

    /// A short tile keeps all it grew and the nearest tiles with a surplus keep what it lacks.
    @Test func shortTilesAreCoveredByTheirNeighbours() {
        // 3 x 2 tiles: tile 0 is 2 short, tile 4 one short.
        var surplus = [-2, 1, 3, 2, -1, 5]
        StripSampler.coverShortfalls(&surplus, columns: 3)
        #expect(surplus.allSatisfy { $0 >= 0 }, "\(surplus)")
        #expect(surplus.reduce(0, +) == 8, "\(surplus)")
        // Tile 0's ring 1 is tiles 1, 3 and 4 (4 has nothing to give): one each from 1 and 3.
        #expect(surplus[0] == 0 && surplus[1] == 0 && surplus[3] == 1, "\(surplus)")
        // Tile 4's ring 1 is everything else; the first with a surplus in tile order is 2.
        #expect(surplus[4] == 0 && surplus[2] == 2 && surplus[5] == 5, "\(surplus)")
    }
}

/// Feathered open edges and blended borders.
@Suite struct FeatherAndBlendTests {
    /// A 40 x 100 mm rectangle at 90 dots/cm2 whose left edge (edge 3) is open.
    static func featheredPlan(waves: Bool, sessions: Int = 1, seed: Int = 1) -> String {
        let waveText =
            waves
            ? #""macro": {"amplitude_mm": 2, "wavelength_mm": 25}, "micro": {"amplitude_mm": 0.5, "wavelength_mm": 4}"#
            : #""macro": {"amplitude_mm": 0}, "micro": {"amplitude_mm": 0}"#
        return """
            {"format": "smpctl-plan/1", "seed": \(seed), "session": {"index": 1, "of": \(sessions)},
             "regions": [{"name": "side", "kind": "density", "polygon": [[50,50],[90,50],[90,150],[50,150]],
                          "density": 90, "profile": "fitzpatrick-1-3",
                          "feather": {"edges": [3], "width_mm": 8, "end_fraction": 0.1, \(waveText)}}]}
            """
    }

    /// The intended fall-off without waves: the share of full density at depth d behind the open edge.
    static func intendedFraction(depth d: Double) -> Double {
        if d < 0 { return 0 }
        if d >= 8 { return 1 }
        let t = d / 8
        return 0.1 + 0.9 * t * t * (3 - 2 * t)
    }

    @Test(arguments: [1, 2, 3]) func featherFollowsTheIntendedFallOffIn2mmBins(seed: Int) throws {
        let plan = try Fixtures.plan(FeatherAndBlendTests.featheredPlan(waves: false, seed: seed))
        let dots = try DotGenerator.generate(plan).map(\.position)
        try #require(dots.count > 2000)
        for bin in 0..<8 {
            let x0 = 50 + Double(bin) * 2
            let count = dots.filter { $0.x >= x0 && $0.x < x0 + 2 }.count
            let measured = Double(count) / 2  // per cm2 over 2 x 100 mm
            // The intended density averaged over the bin (Simpson's rule, 40 steps).
            var sum = 0.0
            for k in 0...40 {
                let w = k == 0 || k == 40 ? 1.0 : (k % 2 == 1 ? 4.0 : 2.0)
                sum += w * FeatherAndBlendTests.intendedFraction(depth: Double(bin) * 2 + Double(k) / 20)
            }
            let intended = 90 * sum / 120
            #expect(abs(measured - intended) <= 0.05 * 90, "bin \(bin): measured \(measured), intended \(intended)")
        }
        // The plain part keeps its density.
        let plain = Double(dots.filter { $0.x >= 62 && $0.x < 86 }.count) / 24
        #expect(abs(plain - 90) <= 0.03 * 90, "beyond the feather: \(plain)")
    }

    /// Over seeds 1-5: each 2 mm bin within 7 % of the full density of the map (waves included), the bins' mean
    /// within 3.5 %, and the fade's outer 4 mm (which ask least) within 20 % of what they ask on average: the
    /// fade's sparse end once grew short (over seeds 1-20 the outermost 2 mm held 2.1 of 3.9 dots/cm2 asked, the
    /// next 16.5 of 20). One bin's counting noise alone is ~2 % of the full density (sd), so the issue's 5 % per
    /// seed is ~2.5 sd and fails on some seeds whatever the generator (8 of seeds 1-20; Docs/Performance.md,
    /// *Audit of issue 15's edge targets*).
    @Test func featherWithWavesEndsOnNoStraightLineAndSamplesItsMap() throws {
        var bias = [Double](repeating: 0, count: 8)
        var asked = [Double](repeating: 0, count: 8)
        let seeds = 1...5
        for seed in seeds {
            let plan = try Fixtures.plan(FeatherAndBlendTests.featheredPlan(waves: true, seed: seed))
            let dots = try DotGenerator.generate(plan).map(\.position)
            try #require(dots.count > 2000)
            // Where the fade ends: the leftmost dot of each 5 mm of edge. A straight line would put them all
            // within about one spacing of the edge; the waves recess the line by up to 2.5 mm.
            let ends = stride(from: 50.0, to: 150, by: 5).map { y0 in
                dots.filter { $0.y >= y0 && $0.y < y0 + 5 }.map(\.x).min() ?? 0
            }
            #expect((ends.max() ?? 0) - (ends.min() ?? 0) >= 1.5, "seed \(seed): leftmost dots \(ends)")
            let builder = PatternBuilder(plan: plan)
            for bin in 0..<8 {
                let x0 = 50 + Double(bin) * 2
                var intended = 0.0
                for i in 0..<40 {
                    for j in 0..<400 {
                        intended += builder.field.mapDensity(
                            at: Point(x0 + (Double(i) + 0.5) * 0.05, 50 + (Double(j) + 0.5) * 0.25), region: 0)
                    }
                }
                intended = intended / 16_000 * 100
                let measured = Double(dots.filter { $0.x >= x0 && $0.x < x0 + 2 }.count) / 2
                bias[bin] += (measured - intended) / Double(seeds.count)
                asked[bin] += intended / Double(seeds.count)
                #expect(
                    abs(measured - intended) <= 0.07 * 90,
                    "seed \(seed), bin \(bin): measured \(measured), intended \(intended)")
            }
        }
        for (bin, b) in bias.enumerated() {
            #expect(abs(b) <= 0.035 * 90, "bin \(bin): mean measured - intended over seeds 1-5 \(b) dots/cm2")
        }
        for bin in 0..<2 {
            #expect(
                abs(bias[bin]) <= 0.2 * asked[bin],
                "bin \(bin): mean measured - intended \(bias[bin]) of \(asked[bin]) dots/cm2 asked")
        }
    }

    /// Relative radius of each dot against the map density where it and its nearest neighbour meet.
    static func localRelativeRadii(_ dots: [Point], density: (Point) -> Double) -> [Double] {
        var grid: [Int: [Int]] = [:]
        func key(_ p: Point) -> Int { Int(p.x / 4) * 1000 + Int(p.y / 4) }
        for (i, p) in dots.enumerated() { grid[key(p), default: []].append(i) }
        return dots.enumerated().compactMap { i, p in
            var best = Double.infinity
            var other = p
            for dx in -1...1 {
                for dy in -1...1 {
                    for j in grid[(Int(p.x / 4) + dx) * 1000 + Int(p.y / 4) + dy] ?? [] where j != i {
                        let d = p.distance(to: dots[j])
                        if d < best { (best, other) = (d, dots[j]) }
                    }
                }
            }
            guard best.isFinite else { return nil }
            let rho = density(Point((p.x + other.x) / 2, (p.y + other.y) / 2))
            guard rho > 0 else { return nil }
            return (best / 2) / (1 / (2 * 3.0.squareRoot() * rho)).squareRoot()
        }
    }

    /// Seeds 1-5: every one holds the bounds (closest 0.776 alone and 0.739 in a prefix); seed 4's prefix of
    /// sessions 1-2 was at 0.698 when the fade's candidates went out at the seed's own radius.
    @Test(arguments: 1...5) func feathersKeepTheBlueNoiseSpacing(seed: Int) throws {
        for sessions in [1, 3] {
            let plan = try Fixtures.plan(
                FeatherAndBlendTests.featheredPlan(waves: true, sessions: sessions, seed: seed))
            let builder = PatternBuilder(plan: plan)
            let dots = try DotGenerator.generate(plan)
            for (k, fraction) in plan.session.fractions.enumerated() {
                let prefix = dots.filter { $0.session <= k + 1 }.map(\.position)
                let band = FeatherAndBlendTests.localRelativeRadii(prefix) {
                    builder.field.mapDensity(at: $0, region: 0) * fraction
                }
                let inBand = zip(prefix, band).filter { $0.0.x < 60 }.map(\.1).sorted()
                try #require(inBand.count > 50)
                // Every dot of the fade, not a percentile: the same bounds as for uniform regions.
                #expect(
                    inBand[0] >= (sessions == 1 ? 0.75 : 0.70),
                    "seed \(seed), sessions 1...\(k + 1) of \(sessions): closest \(inBand[0]), 5th percentile \(inBand[inBand.count / 20])"
                )
            }
        }
    }

    static func blendedPlan(band: Double?) -> String {
        let blends = band.map { #", "blends": [{"regions": ["left", "right"], "band_mm": \#($0)}]"# } ?? ""
        return """
            {"format": "smpctl-plan/1", "seed": 4,
             "regions": [{"name": "left", "kind": "density", "polygon": [[50,50],[90,50],[90,150],[50,150]],
                          "density": 70, "profile": "fitzpatrick-1-3"},
                         {"name": "right", "kind": "density", "polygon": [[90,50],[130,50],[130,150],[90,150]],
                          "density": 85, "profile": "fitzpatrick-1-3"}]\(blends)}
            """
    }

    /// 4 mm bins across the border, dots/cm2.
    static func bins(_ dots: [Point]) -> [Double] {
        stride(from: 54.0, to: 126, by: 4).map { x0 in Double(dots.filter { $0.x >= x0 && $0.x < x0 + 4 }.count) / 4 }
    }

    @Test func blendedBorderHasNoStep() throws {
        let stepped = FeatherAndBlendTests.bins(
            try DotGenerator.generate(try Fixtures.plan(FeatherAndBlendTests.blendedPlan(band: nil))).map(\.position))
        let steps = zip(stepped, stepped.dropFirst()).map { abs($1 - $0) }
        #expect((steps.max() ?? 0) > 10, "without a blend the border steps: \(stepped)")

        let bins = FeatherAndBlendTests.bins(
            try DotGenerator.generate(try Fixtures.plan(FeatherAndBlendTests.blendedPlan(band: 12))).map(\.position))
        // The blend's slope: 15 dots/cm2 over 12 mm, 5 per 4 mm bin; plus 3 % of the density for counting noise.
        let allowed = 15.0 / 12 * 4 + 0.03 * 85
        for (a, b) in zip(bins, bins.dropFirst()) { #expect(abs(b - a) <= allowed, "bins \(bins)") }
        #expect(abs(bins[0] - 70) <= 3 && abs(bins[bins.count - 1] - 85) <= 3, "bins \(bins)")
    }
}

@Suite struct EdgeValidationTests {
    @Test func featherWiderThanItsRegionIsRefused() throws {
        let json = FeatherAndBlendTests.featheredPlan(waves: false).replacingOccurrences(
            of: #""width_mm": 8"#, with: #""width_mm": 45"#)
        let error = try #require(Fixtures.error(json))
        #expect(error.location == "regions[0].feather.width_mm", "\(error)")
        #expect(error.reason.contains("expected a feather narrower than its region"), "\(error)")
    }

    @Test func blendBetweenRegionsThatDoNotTouchIsRefused() throws {
        let json = FeatherAndBlendTests.blendedPlan(band: 10).replacingOccurrences(
            of: "[[90,50],[130,50],[130,150],[90,150]]", with: "[[95,50],[130,50],[130,150],[95,150]]")
        let error = try #require(Fixtures.error(json))
        #expect(error.location == "blends[0].regions", "\(error)")
        #expect(error.reason.contains("do not touch (5 mm apart)"), "\(error)")
    }

    @Test func featherEdgeOutOfRangeIsRefused() throws {
        let json = FeatherAndBlendTests.featheredPlan(waves: false).replacingOccurrences(
            of: #""edges": [3]"#, with: #""edges": [4]"#)
        let error = try #require(Fixtures.error(json))
        #expect(error.location == "regions[0].feather.edges[0]", "\(error)")
    }
}
