import Logging
import SMPControl
import SMPHardware
import SMPMotion
import SMPPlanning
import SMPWire

/// What to calibrate: the skin type, the area the plan covers (dot positions, mm), the target deposit depth.
public struct CalibrationRequest: Sendable {
    public var skin: SkinProfile
    /// The plan's dot positions (mm): the mesh covers their box, the ladder runs in each scalp region they touch.
    public var area: [(x: Double, y: Double)]
    /// Deposit depth aimed at (mm); nil = the middle of the profile's band.
    public var targetDepthMM: Double?
    public var board: BoardDefinition
    public var handpiece: HandpieceDefinition
    /// Test-patch sites at most (every rung is a needled dot on the client).
    public var maximumSites = 30

    public init(
        skin: SkinProfile, area: [(x: Double, y: Double)], targetDepthMM: Double?, board: BoardDefinition,
        handpiece: HandpieceDefinition
    ) {
        self.skin = skin
        self.area = area
        self.targetDepthMM = targetDepthMM
        self.board = board
        self.handpiece = handpiece
    }
}

/// Depth calibration over wire bytes only: touch-offs (grid, held-out and repeat points) and needled test-patch dots
/// with stroke detail (the puncture ladder), through ``SessionController`` on any ``ControllerTransport``.
///
/// The ladder reads, per counted stroke, the local hang z, the peak load and the load at the bottom. A stroke whose
/// bottom load stays near its peak only tented: load = k (z - m), a line whose zero is the membrane loss m and
/// whose slope is the tent stiffness k. A stroke whose bottom load falls well below its peak punctured; what
/// stays is the residual tent, bottom / k. The pigment sits at z - m - bottom / k, so the hang for a deposit D is
/// D + m + bottom / k.
public enum Calibrator {
    /// A stroke punctured when its bottom load is below this fraction of its peak.
    static let punctureDropFraction = 0.8
    /// Tenting strokes below this load (mN) are not used for the line: sensor noise dominates them.
    static let minimumTentLoadMN = 10.0
    /// A region's loss is stable when its check dots change it by at most this (mm).
    static let stableLossChangeMM = 0.02
    /// When the hang for the target lies below reliable puncture, the hang is raised to it only if the deposit
    /// there stays within this of the target (mm): the accuracy the calibration promises.
    static let clampedHangTolerance = 0.05
    /// The hang stays this far above the patch's reliable-puncture rung (mm): the skin elsewhere in the region
    /// may need a little more before every stroke punctures.
    static let punctureMarginMM = 0.1
    /// Largest skin slope between neighbouring nodes a scalp can have (µm per µm).
    static let maximumSlope = 0.6

    public struct Outcome: Sendable {
        public var profile: ClientProfile
    }

    /// Runs the calibration; `makeTransport` opens a connection to the board for each pass (the map survives on
    /// the board, each pass declares the grid it needs). `date` is stamped into the profile.
    public static func run<Transport: ControllerTransport>(
        _ request: CalibrationRequest, date: String, makeTransport: () -> Transport
    ) throws(CalibrationError) -> ClientProfile {
        let skin = request.skin
        if let reason = skin.refusalReason {
            throw CalibrationError(.badInput, "skin type \(skin.name): \(reason)")
        }
        let target = request.targetDepthMM ?? skin.depositTargetMiddleMM
        guard skin.depositTargetMM.contains(target) else {
            throw CalibrationError(
                .badInput,
                "--target-depth \(target) mm is outside the \(skin.name) deposit band "
                    + "\(skin.depositTargetMM.lowerBound)-\(skin.depositTargetMM.upperBound) mm")
        }
        guard !request.area.isEmpty else { throw CalibrationError(.badInput, "the plan has no dots to calibrate over") }
        var machineTime = 0.0
        var strokes = 0
        var sites = 0
        var passes = 0
        var touchOffCount = 0

        // Pass 1: the mesh over the plan's area, held-out points at cell centres, repeat points at nodes.
        let grid = try meshGrid(over: request.area, board: request.board)
        let held = heldOutPoints(grid)
        let repeats = repeatNodes(grid)
        let checks = (held + repeats.map(\.position)).map {
            SessionController.CheckPoint(xMicrometres: $0.x, yMicrometres: $0.y)
        }
        let meshPass = try session(
            dots: [], grid: grid, checks: checks, request: request, transport: makeTransport())
        passes += 1
        machineTime += meshPass.seconds
        touchOffCount += meshPass.controller.touchOffs.count
        let map = meshPass.controller.surface
        let heights = map.heights
        guard heights.allSatisfy({ $0 != nil }) else {
            throw CalibrationError(.measurement, "probing: not every node of the mesh found the skin")
        }
        let nodeHeights = heights.map { $0! }
        try checkSurface(nodeHeights, grid: grid, board: request.board)
        let checkResults = Array(meshPass.controller.touchOffs.suffix(checks.count))
        var residual = 0.0
        for (point, result) in zip(held, checkResults.prefix(held.count)) {
            guard result.outcome == .contact, let mapped = map.height(x: Double(point.x), y: Double(point.y)) else {
                throw CalibrationError(.measurement, "probing: no skin at held-out point \(point) um")
            }
            residual = max(residual, abs(Double(-result.contactZMicrometres - mapped)) / 1000)
        }
        var repeatability = 0.0
        for (node, result) in zip(repeats, checkResults.suffix(repeats.count)) where result.outcome == .contact {
            repeatability = max(
                repeatability, abs(Double(-result.contactZMicrometres - nodeHeights[node.index])) / 1000)
        }

        // The ladder per scalp region, the region with most dots first (it gets the long ladder).
        var dotsPerRegion: [ScalpRegion: [(x: Double, y: Double)]] = [:]
        for point in request.area { dotsPerRegion[ScalpRegion.at(x: point.x, y: point.y), default: []].append(point) }
        let ordered = dotsPerRegion.sorted {
            $0.value.count > $1.value.count || ($0.value.count == $1.value.count && $0.key.rawValue < $1.key.rawValue)
        }
        var membrane: Double?
        var primaryStiffness: Double?
        var results: [String: ClientProfile.RegionCalibration] = [:]
        var lossChange = 0.0
        let ceiling = request.board.hangCeilingMM
        for (rank, entry) in ordered.enumerated() {
            let region = entry.key
            let centre = patchCentre(entry.value)
            let regionsLeft = ordered.count - rank
            let budget = request.maximumSites - sites
            let rungHangs: [Double]
            if let membrane, let stiffness = primaryStiffness {
                // Short ladder: one tenting rung for this region's stiffness, three punctured rungs around the
                // primary region's puncture.
                let puncture = results[ordered[0].key.rawValue]!.reliablePunctureHangMM
                let tent = membrane + 0.5 * (puncture - membrane) * min(1, 0.5 / stiffness)
                rungHangs = [tent, puncture, puncture + 0.1, puncture + 0.2].map { min($0, ceiling - 0.05) }
            } else {
                let count = min(14, budget - 6 * (regionsLeft - 1) - 2)
                guard count >= 6 else {
                    throw CalibrationError(.badInput, "too many scalp regions for \(request.maximumSites) test sites")
                }
                let low = 0.2
                let high = min(ceiling - 0.05, 1.9)
                rungHangs = (0..<count).map { low + (high - low) * Double($0) / Double(count - 1) }
            }
            let ladder = try ladderPass(
                hangs: rungHangs, centre: centre, region: region, request: request, firstID: sites,
                makeTransport: makeTransport)
            passes += 1
            machineTime += ladder.seconds
            touchOffCount += ladder.touchOffs
            sites += rungHangs.count
            strokes += ladder.samples.count
            let analysis = try analyse(ladder.samples, knownMembrane: membrane, region: region)
            if membrane == nil {
                membrane = analysis.membrane
                primaryStiffness = analysis.stiffness
            }
            let stiffness = analysis.stiffness ?? primaryStiffness!
            let regionTarget = target + (SkinProfile.table.regionalModifiersMM[region.rawValue] ?? 0)
            var loss = membrane! + analysis.residualLoadMN / 1000 / stiffness
            let modifier = SkinProfile.table.regionalModifiersMM[region.rawValue] ?? 0
            let deepestAllowed = skin.depositTargetMM.upperBound + modifier
            // Below the reliable-puncture hang some strokes only tent (no deposit): never go there. When the
            // deposit there is already past the band, this cartridge cannot reach the target on this skin.
            func hangFor(loss: Double) throws(CalibrationError) -> Double {
                let wanted = regionTarget + loss
                let lowest = analysis.reliablePuncture + punctureMarginMM
                guard wanted < lowest else { return wanted }
                let shallowest = lowest - loss
                guard shallowest <= min(deepestAllowed, regionTarget + clampedHangTolerance) else {
                    throw CalibrationError(
                        .measurement,
                        "ladder (\(region.rawValue)): the target \(regionTarget.formatted(3)) mm is out of reach: "
                            + "puncture is reliable only from a hang of \(lowest.formatted(3)) mm (with margin), "
                            + "which deposits at \(shallowest.formatted(3)) mm, more than "
                            + "\(clampedHangTolerance) mm past it (fit a finer cartridge)")
                }
                return lowest
            }
            var hang = try hangFor(loss: loss)
            // Check dots at the chosen hang until the loss is stable (at most two rounds).
            var stable = false
            for _ in 0..<2 where sites + 2 <= request.maximumSites {
                guard hang <= ceiling else { break }
                let check = try ladderPass(
                    hangs: [hang, hang], centre: (centre.x, centre.y + 4), region: region, request: request,
                    firstID: sites, makeTransport: makeTransport)
                passes += 1
                machineTime += check.seconds
                touchOffCount += check.touchOffs
                sites += 2
                strokes += check.samples.count
                let punctured = check.samples.filter { Double($0.bottom) < punctureDropFraction * Double($0.peak) }
                guard !punctured.isEmpty else { break }
                let bottoms = reopeningBottoms(punctured)
                let newLoss = membrane! + median(bottoms) / 1000 / stiffness
                let change = abs(newLoss - loss)
                lossChange = max(lossChange, change)
                loss = (loss + newLoss) / 2
                hang = try hangFor(loss: loss)
                if change <= stableLossChangeMM {
                    stable = true
                    break
                }
            }
            if !stable && lossChange > 2 * stableLossChangeMM {
                throw CalibrationError(
                    .measurement,
                    "ladder (\(region.rawValue)): the loss estimate did not settle (changed by "
                        + "\(lossChange.formatted(3)) mm); the signal is too noisy")
            }
            guard hang <= ceiling else {
                throw CalibrationError(
                    .measurement,
                    "ladder (\(region.rawValue)): the hang for \(regionTarget) mm would be \(hang.formatted(3)) mm, "
                        + "beyond the board's ceiling \(ceiling) mm")
            }
            results[region.rawValue] = ClientProfile.RegionCalibration(
                targetDepthMM: regionTarget, tentStiffnessNPerMM: stiffness,
                residualTentMM: loss - membrane!, lossMM: loss,
                reliablePunctureHangMM: analysis.reliablePuncture, hangMM: hang)
        }
        return ClientProfile(
            name: "", board: request.board.model, handpiece: request.handpiece.model,
            cartridge: request.handpiece.needle.cartridgeName, skinType: skin.name, date: date,
            targetDepthMM: target, membraneLossMM: membrane ?? 0, regions: results,
            mesh: ClientProfile.Mesh(
                originXMicrometres: grid.originXMicrometres, originYMicrometres: grid.originYMicrometres,
                spacingMicrometres: grid.spacingMicrometres, nx: Int(grid.nx), ny: Int(grid.ny),
                heightsMicrometres: nodeHeights),
            quality: ClientProfile.Quality(
                meshResidualMM: residual, repeatabilityMM: repeatability, lossChangeMM: lossChange,
                strokesUsed: strokes, sitesUsed: sites, touchOffs: touchOffCount, passes: passes,
                machineTimeS: machineTime))
    }

    // MARK: The mesh

    /// At least 5 x 5 nodes over the area's box (plus 1 mm), at most 10 mm apart, inside the travel.
    static func meshGrid(over area: [(x: Double, y: Double)], board: BoardDefinition) throws(CalibrationError)
        -> SurfaceGrid
    {
        let low = (x: area.map(\.x).min()! - 1, y: area.map(\.y).min()! - 1)
        let high = (x: area.map(\.x).max()! + 1, y: area.map(\.y).max()! + 1)
        let span = max(high.x - low.x, high.y - low.y, 4)
        var spacing = min(10.0, span / 4)
        spacing = max(1, (spacing * 1000).rounded(.down) / 1000)
        let nx = Int(((high.x - low.x) / spacing).rounded(.up)) + 1
        let ny = Int(((high.y - low.y) / spacing).rounded(.up)) + 1
        let cx = max(5, nx)
        let cy = max(5, ny)
        let originX = max(0, min(low.x, board.axes.x.travelMM - Double(cx - 1) * spacing))
        let originY = max(0, min(low.y, board.axes.y.travelMM - Double(cy - 1) * spacing))
        guard cx <= 32, cy <= 32, cx * cy <= board.surfaceMaxNodes, originX >= 0, originY >= 0,
            originX + Double(cx - 1) * spacing <= board.axes.x.travelMM,
            originY + Double(cy - 1) * spacing <= board.axes.y.travelMM
        else {
            throw CalibrationError(.badInput, "the plan's area needs a \(cx) x \(cy) mesh; the board takes 32 x 32")
        }
        return SurfaceGrid(
            originXMicrometres: Int32((originX * 1000).rounded()),
            originYMicrometres: Int32((originY * 1000).rounded()),
            spacingMicrometres: UInt32((spacing * 1000).rounded()), nx: UInt8(cx), ny: UInt8(cy))
    }

    /// Up to 8 cell centres spread over the grid: where the Catmull-Rom map is farthest from any node.
    static func heldOutPoints(_ grid: SurfaceGrid) -> [(x: Int32, y: Int32)] {
        let cells = (Int(grid.nx) - 1) * (Int(grid.ny) - 1)
        let stride = max(1, cells / 8)
        return Swift.stride(from: stride / 2, to: cells, by: stride).prefix(8).map { cell in
            let ix = cell % (Int(grid.nx) - 1)
            let iy = cell / (Int(grid.nx) - 1)
            let h = Int32(grid.spacingMicrometres)
            return (grid.originXMicrometres + Int32(ix) * h + h / 2, grid.originYMicrometres + Int32(iy) * h + h / 2)
        }
    }

    /// Three nodes touched off again (first, middle, last) for the repeatability.
    static func repeatNodes(_ grid: SurfaceGrid) -> [(index: Int, position: (x: Int32, y: Int32))] {
        let count = Int(grid.nx) * Int(grid.ny)
        return [0, count / 2, count - 1].map { index in
            let p = grid.position(ofNode: index)
            return (index, (Int32(p.x), Int32(p.y)))
        }
    }

    static func checkSurface(_ heights: [Int32], grid: SurfaceGrid, board: BoardDefinition) throws(CalibrationError) {
        let nx = Int(grid.nx)
        let h = Double(grid.spacingMicrometres)
        let top = (board.hangCeilingMM - board.axes.z.travelMM) * 1000
        for (index, height) in heights.enumerated() {
            let axisZ = -Double(height)
            guard axisZ > top + 500, axisZ < board.hangCeilingMM * 1000 else {
                throw CalibrationError(
                    .measurement,
                    "probing: the skin at node \(index + 1) is at Z \(axisZ / 1000) mm, outside the Z travel")
            }
            let ix = index % nx
            if ix + 1 < nx, abs(Double(heights[index + 1] - height)) / h > maximumSlope {
                throw CalibrationError(
                    .measurement, "probing: implausible slope between nodes \(index + 1) and \(index + 2)")
            }
            if index + nx < heights.count, abs(Double(heights[index + nx] - height)) / h > maximumSlope {
                throw CalibrationError(
                    .measurement, "probing: implausible slope between nodes \(index + 1) and \(index + nx + 1)")
            }
        }
    }

    // MARK: The ladder

    struct Sample {
        var dot: UInt32
        var order: Int
        var zMM: Double
        var peak: UInt16
        var bottom: UInt16
    }

    static func patchCentre(_ points: [(x: Double, y: Double)]) -> (x: Double, y: Double) {
        let mean = (
            x: points.map(\.x).reduce(0, +) / Double(points.count),
            y: points.map(\.y).reduce(0, +) / Double(points.count)
        )
        return points.min {
            ($0.x - mean.x) * ($0.x - mean.x) + ($0.y - mean.y) * ($0.y - mean.y)
                < ($1.x - mean.x) * ($1.x - mean.x) + ($1.y - mean.y) * ($1.y - mean.y)
        }!
    }

    /// One pass: a small grid around the patch, then one dot per hang at sites 1.5 mm apart, with stroke detail.
    static func ladderPass<Transport: ControllerTransport>(
        hangs: [Double], centre: (x: Double, y: Double), region: ScalpRegion, request: CalibrationRequest,
        firstID: Int, makeTransport: () -> Transport
    ) throws(CalibrationError) -> (samples: [Sample], seconds: Double, touchOffs: Int) {
        let perRow = 5
        let pitch = 1.5
        let dots = hangs.enumerated().map { index, hang in
            MotionDot(
                id: firstID + index + 1, xMM: centre.x + Double(index % perRow - perRow / 2) * pitch,
                yMM: centre.y + Double(index / perRow) * pitch, localHangMM: hang,
                strokes: request.skin.plannedStrokes, rateHz: request.skin.plannedStrokeRateHz,
                cartridge: request.handpiece.needle.group)
        }
        let xs = dots.map(\.xMM)
        let ys = dots.map(\.yMM)
        let span = max(xs.max()! - xs.min()!, ys.max()! - ys.min()!) + 2
        let spacing = max(1, (span * 1000).rounded(.up) / 1000)
        let grid = SurfaceGrid(
            originXMicrometres: Int32(((xs.min()! - 1) * 1000).rounded()),
            originYMicrometres: Int32(((ys.min()! - 1) * 1000).rounded()),
            spacingMicrometres: UInt32((spacing * 1000).rounded()), nx: 2, ny: 2)
        let control = dots.map {
            ControlDot(motion: $0, hangBandMM: 0.05...request.board.hangCeilingMM, regionName: "test patch")
        }
        let pass = try session(dots: control, grid: grid, checks: [], request: request, transport: makeTransport())
        var samples: [Sample] = []
        for detail in pass.controller.strokeDetails {
            for (order, stroke) in detail.strokes.enumerated() where stroke.counted {
                samples.append(
                    Sample(
                        dot: detail.dotID, order: order, zMM: Double(stroke.zMicrometres) / 1000,
                        peak: stroke.peakLoadMillinewtons, bottom: stroke.bottomLoadMillinewtons))
            }
        }
        guard !samples.isEmpty else {
            throw CalibrationError(.measurement, "ladder (\(region.rawValue)): the board reported no stroke detail")
        }
        return (samples, pass.seconds, pass.controller.touchOffs.count)
    }

    struct Analysis {
        var membrane: Double
        var stiffness: Double?
        var residualLoadMN: Double
        var reliablePuncture: Double
    }

    /// The bottoms of the strokes that re-entered a hole their dot already opened (the deepest deposits), or all
    /// punctured bottoms when no dot punctured twice.
    static func reopeningBottoms(_ punctured: [Sample]) -> [Double] {
        var firstSeen = Set<UInt32>()
        var later: [Double] = []
        for sample in punctured {
            if firstSeen.contains(sample.dot) {
                later.append(Double(sample.bottom))
            } else {
                firstSeen.insert(sample.dot)
            }
        }
        return later.isEmpty ? punctured.map { Double($0.bottom) } : later
    }

    static func analyse(_ samples: [Sample], knownMembrane: Double?, region: ScalpRegion) throws(CalibrationError)
        -> Analysis
    {
        func punctured(_ s: Sample) -> Bool { Double(s.bottom) < punctureDropFraction * Double(s.peak) }
        let tenting = samples.filter { !punctured($0) && Double($0.bottom) >= minimumTentLoadMN }
        let pierced = samples.filter(punctured)
        guard !pierced.isEmpty else {
            throw CalibrationError(
                .measurement,
                "ladder (\(region.rawValue)): no stroke punctured up to a hang of "
                    + "\((samples.map(\.zMM).max() ?? 0).formatted(3)) mm (load never dropped)")
        }
        // The lowest hang from which every counted stroke of every higher rung punctured.
        let byHang = Dictionary(grouping: samples, by: { ($0.zMM * 1000).rounded() })
        var reliable: Double?
        for hang in byHang.keys.sorted(by: >) {
            if byHang[hang]!.allSatisfy(punctured) { reliable = hang / 1000 } else { break }
        }
        guard let reliable else {
            throw CalibrationError(
                .measurement, "ladder (\(region.rawValue)): puncture never became reliable (the top rung tented)")
        }
        var membrane = knownMembrane
        var stiffness: Double?
        let distinct = Set(tenting.map { ($0.zMM * 1000).rounded() })
        if knownMembrane == nil {
            guard distinct.count >= 2 else {
                throw CalibrationError(
                    .measurement,
                    "ladder (\(region.rawValue)): \(distinct.count) tenting rung(s); at least 2 are needed for the "
                        + "membrane loss")
            }
            let n = Double(tenting.count)
            let mz = tenting.map(\.zMM).reduce(0, +) / n
            let mf = tenting.map { Double($0.bottom) }.reduce(0, +) / n
            let sxy = tenting.map { ($0.zMM - mz) * (Double($0.bottom) - mf) }.reduce(0, +)
            let sxx = tenting.map { ($0.zMM - mz) * ($0.zMM - mz) }.reduce(0, +)
            let slope = sxy / sxx  // mN per mm
            guard slope > 10 else {
                throw CalibrationError(
                    .measurement, "ladder (\(region.rawValue)): the tent load does not rise with depth; too noisy")
            }
            membrane = mz - mf / slope
            stiffness = slope / 1000
        } else if !tenting.isEmpty {
            let values = tenting.map { Double($0.bottom) / 1000 / max(1e-3, $0.zMM - knownMembrane!) }
            stiffness = median(values)
        }
        return Analysis(
            membrane: membrane!, stiffness: stiffness, residualLoadMN: median(reopeningBottoms(pierced)),
            reliablePuncture: reliable)
    }

    // MARK: Sessions

    struct Pass {
        var controller: SessionController
        var seconds: Double
    }

    static func session<Transport: ControllerTransport>(
        dots: [ControlDot], grid: SurfaceGrid, checks: [SessionController.CheckPoint], request: CalibrationRequest,
        transport: Transport
    ) throws(CalibrationError) -> Pass {
        var configuration = SessionController.Configuration()
        configuration.hostSoftware = "smpctl-calibrate"
        configuration.probeGrid = grid
        configuration.checkPoints = checks
        configuration.requestStrokeDetail = true
        var logger = Logger(label: "smpctl.calibrate")
        logger.logLevel = dots.isEmpty ? .critical : .warning
        let controller = SessionController(
            dots: dots, board: request.board, handpiece: request.handpiece, configuration: configuration,
            logger: logger)
        var driver = ControllerDriver(controller: controller, transport: transport)
        let start = driver.transport.now
        let probingOnly = dots.isEmpty
        driver.run(limit: 600_000_000) { driver in
            // A pass without dots is done once its probing is: stop it there (nothing is needled).
            guard probingOnly else { return nil }
            switch driver.controller.state {
            case .running, .finished: return .emergencyStop
            default: return nil
            }
        }
        let seconds = Double(driver.transport.now - start) / 1e6
        switch driver.controller.state {
        case .finished: break
        case .faulted(.emergencyStop) where probingOnly: break
        case .faulted(.probe(let text)): throw CalibrationError(.measurement, "probing: \(text)")
        case .faulted(.hostCheck(let problem)): throw CalibrationError(.badInput, "\(problem)")
        case .faulted(let reason): throw CalibrationError(.measurement, "calibration session stopped: \(reason)")
        default:
            // A session with no dots ends once probing is done: it has nothing to stream.
            if !dots.isEmpty { throw CalibrationError(.measurement, "calibration session did not finish") }
        }
        return Pass(controller: driver.controller, seconds: seconds)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1
            ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}

extension Double {
    func formatted(_ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        return "\((self * scale).rounded() / scale)"
    }
}
