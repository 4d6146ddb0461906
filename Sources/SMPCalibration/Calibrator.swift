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
    /// The cartridge the calibration needles with, and the profile is for: by default the catalogue cartridge of
    /// the skin profile's needle (as planning gives a region of that profile), else the handpiece's own.
    public var cartridge: CartridgeDefinition

    public init(
        skin: SkinProfile, area: [(x: Double, y: Double)], targetDepthMM: Double?, board: BoardDefinition,
        handpiece: HandpieceDefinition
    ) {
        self.skin = skin
        self.area = area
        self.targetDepthMM = targetDepthMM
        self.board = board
        self.handpiece = handpiece
        cartridge = Self.cartridge(for: skin, handpiece: handpiece)
    }

    /// The cartridge of `skin`'s needle in the reference catalogue (the needle planning gives a region of that
    /// profile, at its diameter), else the one `handpiece` is fitted with.
    public static func cartridge(for skin: SkinProfile, handpiece: HandpieceDefinition) -> CartridgeDefinition {
        let needleFitted = handpiece.needle
        let loss = handpiece.membraneLossMM.value
        let fitted =
            CartridgeCatalogue.reference.cartridge(named: needleFitted.cartridgeName)
            ?? CartridgeDefinition(
                name: needleFitted.cartridgeName, group: needleFitted.group, needleCount: needleFitted.count,
                diameterMM: needleFitted.diameterMM,
                membraneLoss: .init(minMM: loss, maxMM: loss, nominalMM: loss), needleLengthOffsetMM: 0,
                provenance: "the handpiece definition's needle")
        guard let needle = Needle.named(skin.defaultNeedle) else { return fitted }
        return CartridgeCatalogue.reference.cartridge(
            named: CartridgeDefinition.name(group: needle.name, diameterMM: needle.diameterMM)) ?? fitted
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
    /// When the hang for the target lies below reliable puncture, the hang is raised to it only if the deposit
    /// there stays within this of the target (mm): the accuracy the calibration promises.
    static let clampedHangTolerance = 0.05
    /// The puncture margin is at least this (mm): the sensed loads carry noise, and the places between the test
    /// sites are not measured.
    static let minimumPunctureMarginMM = 0.02
    /// The puncture margin is this fraction of the spread of the puncture intrusions measured over the region's
    /// sites: the skin between them varies about as much again.
    static let punctureSpreadFactor = 0.5
    /// With a plane fitted to the sites' puncture intrusions, the margin is this multiple of its largest residual:
    /// five sites leave two degrees of freedom, so the residuals understate the skin's bumps between them.
    static let planeResidualFactor = 1.5
    /// The residual tents of a region's sites may differ by at most this (mm) before the signal counts as too noisy
    /// for one hang per region.
    static let maximumResidualSpreadMM = 0.1
    /// Rungs of the first region's ladder, and of the short ladders of the others.
    static let longLadderRungs = 14
    static let shortLadderRungs = 3
    /// Check pairs per region at most (each two sites).
    static let maximumCheckPairs = 4
    /// A tenting rung or check dot sits at this fraction of the measured puncture intrusion.
    static let tentFraction = 0.6
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
        var passes = 0
        var touchOffCount = 0

        // Pass 1: the mesh over the plan's area, refined while the held-out residual exceeds the tolerance.
        let mesh = try measureMesh(request, makeTransport: makeTransport)
        passes += mesh.passes
        machineTime += mesh.seconds
        touchOffCount += mesh.touchOffs

        // The measured mesh as the board holds it: the ladder corrects each stroke's depth to it.
        var map = SurfaceMap()
        map.declare(mesh.grid)
        for (node, height) in mesh.heights.enumerated() { map.store(height: height, node: node) }
        var tally = Tally(
            machineTime: machineTime, passes: passes, touchOffs: touchOffCount)
        let (membrane, results) = try calibrateRegions(
            request, target: target, reference: map, tally: &tally, makeTransport: makeTransport)
        return ClientProfile(
            name: "", board: request.board.model, handpiece: request.handpiece.model,
            cartridge: request.cartridge.name, skinType: skin.name, date: date,
            targetDepthMM: target, membraneLossMM: membrane, regions: results,
            mesh: ClientProfile.Mesh(
                originXMicrometres: mesh.grid.originXMicrometres, originYMicrometres: mesh.grid.originYMicrometres,
                spacingMicrometres: mesh.grid.spacingMicrometres, nx: Int(mesh.grid.nx), ny: Int(mesh.grid.ny),
                heightsMicrometres: mesh.heights),
            quality: ClientProfile.Quality(
                meshResidualMM: mesh.residualMM, repeatabilityMM: mesh.repeatabilityMM, lossChangeMM: tally.lossChange,
                strokesUsed: tally.strokes, sitesUsed: tally.sites, touchOffs: tally.touchOffs, passes: tally.passes,
                machineTimeS: tally.machineTime))
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
        // The operator fitted the calibration's cartridge; the board is told (it may have another in its hello).
        resumption.fitCartridge = request.cartridge.name
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
