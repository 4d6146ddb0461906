import SMPControl
import SMPHardware
import SMPPlanning
import SMPWire

extension Calibrator {
    /// Running totals of one calibration: what it cost the client and the machine.
    struct Tally {
        var machineTime = 0.0
        var strokes = 0
        var sites = 0
        var passes = 0
        var touchOffs = 0
        var lossChange = 0.0

        mutating func add(_ ladder: LadderPass, sites count: Int) {
            passes += 1
            machineTime += ladder.seconds
            touchOffs += ladder.touchOffs
            sites += count
            strokes += ladder.samples.count(where: \.counted)
        }
    }

    /// What one place of a region measured, in mm of intrusion past the membrane.
    struct SiteReading {
        /// Tent stiffness (N/mm).
        var stiffness: Double
        /// Intrusion at which the skin gives way: puncture load / stiffness (mm); nil when no dot punctured here.
        var punctureIntrusionMM: Double?
        /// Residual tent of the reopening strokes: residual load / stiffness (mm).
        var residualTentMM: Double?
        /// Intrusion at which a dot here only tented (mm): the puncture lies deeper.
        var tentedIntrusionMM: Double?
        /// Where the place is (mm); nil when unknown.
        var position: (x: Double, y: Double)? = nil
    }

    /// The test sites' readings of one region combined into its hang.
    struct RegionHang {
        var loss: Double
        /// The lowest hang at which every place measured punctures, with the margin (mm).
        var punctureHang: Double
        var margin: Double
        var hang: Double
    }

    /// The hang for `target` in a region from its sites' readings: target + membrane + mean residual tent, but never
    /// below the puncture hang: the deepest puncture intrusion plus a margin for the skin between the sites, half
    /// the spread of their intrusions. With four or more placed sites the intrusion is also fitted as a plane over
    /// them (the skin varies smoothly over a region): the deepest is then at least the plane's deepest over `points`
    /// (the region's dots), and the margin at most 1.5 times the fit's largest residual (a gradient the plane
    /// explains needs no margin). The margin is at least ``minimumPunctureMarginMM``.
    static func regionHang(
        _ readings: [SiteReading], membrane: Double, target: Double, over points: [(x: Double, y: Double)] = []
    ) -> RegionHang {
        let residuals = readings.compactMap(\.residualTentMM)
        let loss = membrane + residuals.reduce(0, +) / Double(max(1, residuals.count))
        let intrusions = readings.compactMap(\.punctureIntrusionMM)
        var deepest = max(intrusions.max() ?? 0, readings.compactMap(\.tentedIntrusionMM).max() ?? 0)
        let spread = (intrusions.max() ?? 0) - (intrusions.min() ?? 0)
        var margin = max(minimumPunctureMarginMM, punctureSpreadFactor * spread)
        let placed = readings.compactMap { reading in
            reading.punctureIntrusionMM.flatMap { value in reading.position.map { ($0.x, $0.y, value) } }
        }
        if placed.count >= 4, !points.isEmpty, let plane = fitPlane(placed) {
            let worstResidual = placed.map { abs(plane($0.0, $0.1) - $0.2) }.max()!
            deepest = max(deepest, points.map { plane($0.x, $0.y) }.max()!)
            margin = max(minimumPunctureMarginMM, min(margin, planeResidualFactor * worstResidual))
        }
        let punctureHang = membrane + deepest + margin
        return RegionHang(
            loss: loss, punctureHang: punctureHang, margin: margin, hang: max(target + loss, punctureHang))
    }

    /// The least-squares plane v = a + b x + c y through `samples` (x, y, v); nil when they lie on a line.
    static func fitPlane(_ samples: [(Double, Double, Double)]) -> ((Double, Double) -> Double)? {
        let n = Double(samples.count)
        let mx = samples.map(\.0).reduce(0, +) / n
        let my = samples.map(\.1).reduce(0, +) / n
        let mv = samples.map(\.2).reduce(0, +) / n
        var sxx = 0.0
        var sxy = 0.0
        var syy = 0.0
        var sxv = 0.0
        var syv = 0.0
        for (x, y, v) in samples {
            sxx += (x - mx) * (x - mx)
            sxy += (x - mx) * (y - my)
            syy += (y - my) * (y - my)
            sxv += (x - mx) * (v - mv)
            syv += (y - my) * (v - mv)
        }
        let determinant = sxx * syy - sxy * sxy
        guard abs(determinant) > 1e-9 * max(1, sxx * syy) else { return nil }
        let b = (sxv * syy - syv * sxy) / determinant
        let c = (syv * sxx - sxv * sxy) / determinant
        return { x, y in mv + b * (x - mx) + c * (y - my) }
    }

    /// Places for check sites among a region's dots: each the dot farthest from the patch and the places already
    /// chosen, so that the sites spread over the region.
    static func checkPlaces(_ points: [(x: Double, y: Double)], from patch: (x: Double, y: Double), count: Int)
        -> [(x: Double, y: Double)]
    {
        var chosen = [patch]
        var places: [(x: Double, y: Double)] = []
        for _ in 0..<count {
            func distance(_ p: (x: Double, y: Double)) -> Double {
                chosen.map { ($0.x - p.x) * ($0.x - p.x) + ($0.y - p.y) * ($0.y - p.y) }.min()!
            }
            guard let next = points.max(by: { distance($0) < distance($1) }), distance(next) > 4 else { break }
            chosen.append(next)
            places.append(next)
        }
        return places
    }
}

extension Calibrator {
    /// The ladder and the check sites of every scalp region the plan touches, the region with most dots first: it
    /// gets the long ladder, which also measures the membrane loss; the others a short one around its puncture.
    static func calibrateRegions<Transport: ControllerTransport>(
        _ request: CalibrationRequest, target: Double, reference: SurfaceMap, tally: inout Tally,
        makeTransport: () -> Transport
    ) throws(CalibrationError) -> (membrane: Double, regions: [String: ClientProfile.RegionCalibration]) {
        var dotsPerRegion: [ScalpRegion: [(x: Double, y: Double)]] = [:]
        for point in request.area { dotsPerRegion[ScalpRegion.at(x: point.x, y: point.y), default: []].append(point) }
        let ordered = dotsPerRegion.sorted {
            $0.value.count > $1.value.count || ($0.value.count == $1.value.count && $0.key.rawValue < $1.key.rawValue)
        }
        var membrane: Double?
        var primary: (stiffness: Double, punctureIntrusion: Double)?
        var results: [String: ClientProfile.RegionCalibration] = [:]
        let ceiling = request.board.hangCeilingMM
        for (rank, entry) in ordered.enumerated() {
            let region = entry.key
            let centre = patchCentre(entry.value)
            // Sites the regions after this one need at least: a short ladder and one check pair each.
            let reserved = (shortLadderRungs + 2) * (ordered.count - rank - 1)
            let rungHangs: [Double]
            if let membrane, let primary {
                let puncture = membrane + primary.punctureIntrusion
                rungHangs = [membrane + tentFraction * primary.punctureIntrusion, puncture + 0.1, puncture + 0.2]
                    .map { min($0, ceiling - 0.05) }
            } else {
                let count = min(longLadderRungs, request.maximumSites - tally.sites - reserved - 2)
                guard count >= 6 else {
                    throw CalibrationError(.badInput, "too many scalp regions for \(request.maximumSites) test sites")
                }
                let low = 0.2
                let high = min(ceiling - 0.05, 1.9)
                rungHangs = (0..<count).map { low + (high - low) * Double($0) / Double(count - 1) }
            }
            let ladder = try ladderPass(
                hangs: rungHangs, centre: centre, region: region, request: request, reference: reference,
                firstID: tally.sites,
                makeTransport: makeTransport)
            tally.add(ladder, sites: rungHangs.count)
            var samples = ladder.samples
            var rungCount = rungHangs.count
            if membrane == nil, let finer = finerRungs(samples, ceiling: ceiling),
                tally.sites + finer.count + reserved + 2 <= request.maximumSites
            {
                // The skin gave way within one rung step of the membrane: bisect that step for the tent line.
                let refinement = try ladderPass(
                    hangs: finer, centre: (centre.x, centre.y + 1.5 * Double((rungCount + 4) / 5)), region: region,
                    request: request, reference: reference, firstID: tally.sites, makeTransport: makeTransport)
                tally.add(refinement, sites: finer.count)
                samples += refinement.samples
                rungCount += finer.count
            }
            let analysis = try analyse(samples, knownMembrane: membrane, region: region)
            guard analysis.reliablePuncture != nil else {
                throw CalibrationError(
                    .measurement, "ladder (\(region.rawValue)): puncture never became reliable (the top rung tented)")
            }
            let m = membrane ?? analysis.membrane
            membrane = m
            guard let stiffness = analysis.stiffness ?? primary?.stiffness, let punctureLoad = analysis.punctureLoadMN
            else {
                throw CalibrationError(
                    .measurement, "ladder (\(region.rawValue)): no dot punctured at its first stroke; too noisy")
            }
            var readings = [
                SiteReading(
                    stiffness: stiffness, punctureIntrusionMM: punctureLoad / 1000 / stiffness,
                    residualTentMM: analysis.residualLoadMN / 1000 / stiffness,
                    tentedIntrusionMM: analysis.highestTentingHang.map { $0 - m },
                    position: (centre.x, centre.y + 1.5))
            ]
            if primary == nil { primary = (stiffness, readings[0].punctureIntrusionMM!) }
            let modifier = SkinProfile.table.regionalModifiersMM[region.rawValue] ?? 0
            let regionTarget = target + modifier
            var estimate = regionHang(readings, membrane: m, target: regionTarget, over: entry.value)
            let patchLoss = estimate.loss
            // Check pairs spread over the region: a tenting dot (the stiffness there) and a dot at the hang (the
            // puncture and residual loads there).
            let pairs = min(maximumCheckPairs, (request.maximumSites - tally.sites - reserved) / 2)
            for place in checkPlaces(entry.value, from: centre, count: pairs) {
                let tentHang = m + tentFraction * (estimate.punctureHang - estimate.margin - m)
                // The pair's dots sit at the place and 1.5 mm towards the patch (a ladder row starts 3 mm left of
                // its centre): inside the plan's area, where the mesh corrects their z.
                let rowCentre = (x: place.x + (place.x > centre.x ? 1.5 : 3), y: place.y)
                let check = try ladderPass(
                    hangs: [tentHang, min(estimate.hang, ceiling)], centre: rowCentre, region: region,
                    request: request, reference: reference, firstID: tally.sites, makeTransport: makeTransport)
                tally.add(check, sites: 2)
                var reading = siteReading(check.samples, membrane: m, fallbackStiffness: stiffness)
                reading.position = (rowCentre.x - 1.5, rowCentre.y)
                readings.append(reading)
                estimate = regionHang(readings, membrane: m, target: regionTarget, over: entry.value)
            }
            tally.lossChange = max(tally.lossChange, abs(estimate.loss - patchLoss))
            let residuals = readings.compactMap(\.residualTentMM)
            let residualSpread = (residuals.max() ?? 0) - (residuals.min() ?? 0)
            guard residualSpread <= maximumResidualSpreadMM else {
                throw CalibrationError(
                    .measurement,
                    "ladder (\(region.rawValue)): the residual tent differs by \(residualSpread.formatted(3)) mm "
                        + "between the test sites (at most \(maximumResidualSpreadMM)); the signal is too noisy")
            }
            let deposit = estimate.hang - estimate.loss
            let deepestAllowed = request.skin.depositTargetMM.upperBound + modifier
            guard deposit <= min(deepestAllowed, regionTarget + clampedHangTolerance) else {
                throw CalibrationError(
                    .measurement,
                    "ladder (\(region.rawValue)): the target \(regionTarget.formatted(3)) mm is out of reach: "
                        + "puncture is reliable only from a hang of \(estimate.punctureHang.formatted(3)) mm "
                        + "(with margin), which deposits at \(deposit.formatted(3)) mm, more than "
                        + "\(clampedHangTolerance) mm past it (fit a finer cartridge)")
            }
            guard estimate.hang <= ceiling else {
                throw CalibrationError(
                    .measurement,
                    "ladder (\(region.rawValue)): the hang for \(regionTarget) mm would be "
                        + "\(estimate.hang.formatted(3)) mm, beyond the board's ceiling \(ceiling) mm")
            }
            results[region.rawValue] = ClientProfile.RegionCalibration(
                targetDepthMM: regionTarget, tentStiffnessNPerMM: median(readings.map(\.stiffness)),
                residualTentMM: estimate.loss - m, lossMM: estimate.loss,
                reliablePunctureHangMM: estimate.punctureHang, hangMM: estimate.hang,
                punctureMarginMM: estimate.margin, sites: rungCount + 2 * (readings.count - 1))
        }
        return (membrane ?? 0, results)
    }

    /// Rungs that bisect the step where the long ladder went from no load to puncture, when fewer than two of its
    /// rungs tented above the noise (a fine needle in soft skin gives way soon after the membrane); nil otherwise.
    static func finerRungs(_ all: [Sample], ceiling: Double) -> [Double]? {
        let samples = all.filter(\.counted)
        let tenting = samples.filter { !punctured($0) && Double($0.bottom) >= minimumTentLoadMN }
        guard Set(tenting.map { ($0.zMM * 1000).rounded() }).count < 2 else { return nil }
        let byDot = Dictionary(grouping: samples, by: \.dot).values
        guard
            let firstPunctured = byDot.filter({ $0.contains(where: punctured) }).compactMap({ $0.map(\.zMM).min() })
                .min()
        else { return nil }
        let belowLoad =
            byDot.filter { $0.allSatisfy { Double($0.bottom) < minimumTentLoadMN } }.compactMap { $0.map(\.zMM).max() }
            .filter { $0 < firstPunctured }.max() ?? max(0.05, firstPunctured - 0.2)
        let step = (firstPunctured - belowLoad) / 4
        return (1...3).map { min(belowLoad + step * Double($0), ceiling - 0.05) }
    }

    /// A check pair's reading: the stiffness from its tenting strokes (else `fallbackStiffness`), the puncture
    /// and residual loads from its punctured ones; a dot that only tented bounds the puncture from below.
    static func siteReading(_ all: [Sample], membrane: Double, fallbackStiffness: Double) -> SiteReading {
        let samples = all.filter(\.counted)
        let tenting = samples.filter {
            !punctured($0) && Double($0.bottom) >= minimumTentLoadMN && $0.zMM - membrane > 0.05
        }
        let stiffness =
            tenting.isEmpty
            ? fallbackStiffness : median(tenting.map { Double($0.bottom) / 1000 / ($0.zMM - membrane) })
        let punctureLoads = firstPunctureLoads(all)
        let pierced = samples.filter(punctured)
        let tented = Dictionary(grouping: samples, by: \.dot).values
            .filter { !$0.contains(where: punctured) }.compactMap { $0.map(\.zMM).max() }.max()
        return SiteReading(
            stiffness: stiffness,
            punctureIntrusionMM: punctureLoads.isEmpty ? nil : median(punctureLoads) / 1000 / stiffness,
            residualTentMM: pierced.isEmpty ? nil : median(reopeningBottoms(pierced)) / 1000 / stiffness,
            tentedIntrusionMM: tented.map { $0 - membrane })
    }
}
