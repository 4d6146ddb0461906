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

        // Pass 1: the mesh over the plan's area, refined while the held-out residual exceeds the tolerance.
        let mesh = try measureMesh(request, makeTransport: makeTransport)
        passes += mesh.passes
        machineTime += mesh.seconds
        touchOffCount += mesh.touchOffs

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
                originXMicrometres: mesh.grid.originXMicrometres, originYMicrometres: mesh.grid.originYMicrometres,
                spacingMicrometres: mesh.grid.spacingMicrometres, nx: Int(mesh.grid.nx), ny: Int(mesh.grid.ny),
                heightsMicrometres: mesh.heights),
            quality: ClientProfile.Quality(
                meshResidualMM: mesh.residualMM, repeatabilityMM: mesh.repeatabilityMM, lossChangeMM: lossChange,
                strokesUsed: strokes, sitesUsed: sites, touchOffs: touchOffCount, passes: passes,
                machineTimeS: machineTime))
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
        // Every pass is a session of its own on a board that may still hold the previous one (a real port): a new
        // id makes the board start its sequencing afresh instead of taking the hello for a reconnection.
        configuration.sessionID = UInt32.random(in: 1...UInt32.max / 2)
        configuration.probeGrid = grid
        configuration.checkPoints = checks
        configuration.requestStrokeDetail = true
        var logger = Logger(label: "smpctl.calibrate")
        logger.logLevel = dots.isEmpty ? .critical : .warning
        var resumption = SessionController.Resumption()
        // Wire ids are the dots' ids, unique over the calibration: a board that keeps reports across sessions
        // never mixes up two passes' dots. Disarmed at the end: the host is silent between passes, and an armed
        // board would trip its watchdog and report the fault to the next pass.
        resumption.firstWireID = UInt32(dots.first?.motion.id ?? 1)
        resumption.disarmWhenFinished = true
        let controller = SessionController(
            dots: dots, board: request.board, handpiece: request.handpiece, configuration: configuration,
            resumption: resumption, logger: logger)
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
        case .faulted(let reason):
            switch reason {
            case .linkLost, .transportClosed, .boardRestarted:
                throw CalibrationError(.link, "calibration session stopped: \(reason)")
            default: throw CalibrationError(.measurement, "calibration session stopped: \(reason)")
            }
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
