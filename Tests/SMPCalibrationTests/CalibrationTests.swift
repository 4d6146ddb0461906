import Foundation
import SMPBoardSim
import SMPControl
import SMPDryRun
import SMPHardware
import SMPPlanning
import SMPWire
import Testing

@testable import SMPCalibration

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The quick example plan, planned once.
let quickPlan: PlanResult = {
    let path = repositoryRoot.appendingPathComponent("Examples/quick.json").path
    return try! Planner.run(try! PlanLoader.load(contentsOf: URL(fileURLWithPath: path), displayName: path))
}()

func calibrate(_ skin: SkinType, seed: UInt64, target: Double? = nil, cartridge: String? = nil)
    throws(CalibrationError) -> ClientProfile
{
    let options = DryRunOptions(skin: skin)
    let setup = DryRun.simulationSetup(options: options, seed: seed)
    var request = CalibrationRequest(
        skin: SkinProfile.named(skin.rawValue)!, area: quickPlan.sessionDots.map { ($0.position.x, $0.position.y) },
        targetDepthMM: target, board: options.board, handpiece: options.handpiece)
    if let cartridge { request.cartridge = CartridgeCatalogue.reference.cartridge(named: cartridge)! }
    return try Calibrator.run(request, date: "2026-12-01T00:00:00Z") { DryRunTransport(setup: setup) }
}

@Suite("Calibration on the simulated board")
struct CalibrationTests {
    /// The target on a sample of seeds per skin type (the full table of 20 is `scripts/calibration-table.sh`
    /// in Docs/Calibration.md): every patient calibrated, the dry run with the profile (its hangs, its cartridge,
    /// its mesh spacing) within 0.05 mm of the target at p95, no blowouts, better than the nominal hang, within the
    /// site and machine-time budget.
    @Test(
        "after calibration: p95 within 0.05 mm, no blowouts, better than nominal, within budget",
        arguments: [
            (SkinType.fitzpatrick1to3, "3RL 0.25"), (.fitzpatrick4to6, "3RL 0.25"), (.thin, "1RL 0.20"),
            (.thickOily, "1RL 0.20"),
        ])
    func accuracy(skin: SkinType, cartridge: String) throws {
        for seed: UInt64 in 1...3 {
            var options = DryRunOptions(skin: skin)
            options.seed = seed
            let profile = try calibrate(skin, seed: seed)
            #expect(profile.cartridge == cartridge)
            #expect(profile.quality.sitesUsed <= 30)
            #expect(profile.quality.machineTimeS < 120)
            #expect(profile.quality.meshResidualMM < 0.02)
            let nominal = try DryRun.run(quickPlan, options: options)
            options.hangByRegion = profile.hangByRegion
            options.cartridgeName = profile.cartridge
            options.probeSpacingMicrometres = Int64(profile.mesh.spacingMicrometres)
            let report = try DryRun.run(quickPlan, options: options)
            try #require(report.dotsDone == report.dotsPlanned && report.dotsDone > 0)
            #expect(report.depthMM.absErrorP95 <= 0.05, "\(skin.rawValue) seed \(seed)")
            #expect(report.depthMM.absErrorP95 < nominal.depthMM.absErrorP95)
            #expect(report.blowouts == 0)
        }
    }

    @Test("the puncture margin is half the spread of the sites' puncture intrusions, at least 0.02 mm")
    func punctureMargin() {
        func site(_ puncture: Double) -> Calibrator.SiteReading {
            Calibrator.SiteReading(
                stiffness: 0.5, punctureIntrusionMM: puncture, residualTentMM: 0.15, tentedIntrusionMM: nil)
        }
        let spread = Calibrator.regionHang([site(0.5), site(0.6), site(0.55)], membrane: 0.3, target: 0.3)
        #expect(abs(spread.margin - 0.05) < 1e-9)
        #expect(abs(spread.punctureHang - (0.3 + 0.6 + 0.05)) < 1e-9)
        #expect(abs(spread.hang - spread.punctureHang) < 1e-9)
        let even = Calibrator.regionHang([site(0.5), site(0.505)], membrane: 0.3, target: 0.6)
        #expect(abs(even.margin - 0.02) < 1e-9)
        #expect(abs(even.hang - (0.6 + 0.3 + 0.15)) < 1e-9)
        // A dot that only tented at an intrusion bounds the puncture from below, whatever the loads said.
        var tented = site(0.5)
        tented.tentedIntrusionMM = 0.7
        #expect(Calibrator.regionHang([tented], membrane: 0.3, target: 0.3).punctureHang >= 0.3 + 0.7)
    }

    @Test("a puncture gradient over the region is extrapolated to its farthest dot, and needs no extra margin")
    func punctureGradient() {
        // Intrusion 0.5 mm + 0.01 mm per mm of x: the sites span x 0-10, the region's dots reach x = 20.
        let places: [(x: Double, y: Double)] = [(0, 0), (10, 0), (0, 10), (10, 10), (5, 5)]
        let readings = places.map { place in
            Calibrator.SiteReading(
                stiffness: 0.5, punctureIntrusionMM: 0.5 + 0.01 * place.x, residualTentMM: 0.15,
                tentedIntrusionMM: nil, position: place)
        }
        let dots: [(x: Double, y: Double)] = [(0, 0), (20, 10)]
        let hang = Calibrator.regionHang(readings, membrane: 0.3, target: 0.3, over: dots)
        #expect(abs(hang.margin - 0.02) < 1e-9)
        #expect(abs(hang.punctureHang - (0.3 + 0.7 + 0.02)) < 1e-9)
        // Without the dots to extrapolate to, the deepest measured and half the spread.
        let unplaced = Calibrator.regionHang(readings, membrane: 0.3, target: 0.3)
        #expect(abs(unplaced.punctureHang - (0.3 + 0.6 + 0.05)) < 1e-9)
    }

    @Test("the 3RL 0.25 cartridge cannot reach the target on thin skin: refused, not turned into a profile")
    func unreachableTarget() {
        #expect {
            _ = try calibrate(.thin, seed: 1, cartridge: "3RL 0.25")
        } throws: { error in
            (error as? CalibrationError)?.kind == .measurement && "\(error)".contains("out of reach")
        }
    }

    @Test("the profile file round-trips and is refused for another board, handpiece or cartridge")
    func profileFile() throws {
        let profile = try calibrate(.fitzpatrick1to3, seed: 1)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("calib-\(UUID().uuidString)")
        let path = directory.appendingPathComponent("client.json").path
        try ProfileStore.write(profile, to: path)
        let loaded = try ClientProfile.load(from: path, board: .r1, handpiece: .rotaryR1)
        #expect(loaded == profile)
        for (field, value) in [("board", "smp-driver-r2"), ("handpiece", "rotary-r2"), ("cartridge", "7RL 0.35")] {
            var other = profile
            switch field {
            case "board": other.board = value
            case "handpiece": other.handpiece = value
            default: other.cartridge = value
            }
            try ProfileStore.write(other, to: path)
            #expect {
                _ = try ClientProfile.load(from: path, board: .r1, handpiece: .rotaryR1)
            } throws: { error in
                (error as? CalibrationError)?.kind == .badInput && "\(error)".contains(field)
                    && !"\(error)".contains("\n")
            }
        }
        try? FileManager.default.removeItem(at: directory)
    }

    @Test("a target outside the band and a refused skin type fail before anything is sent")
    func badRequest() {
        #expect {
            _ = try calibrate(.fitzpatrick1to3, seed: 1, target: 0.9)
        } throws: { error in
            (error as? CalibrationError)?.kind == .badInput && "\(error)".contains("outside")
        }
        let keloid = CalibrationRequest(
            skin: .keloid, area: [(100, 100)], targetDepthMM: nil, board: .r1, handpiece: .rotaryR1)
        var opened = false
        #expect {
            _ = try Calibrator.run(keloid, date: "") { () -> DryRunTransport in
                opened = true
                return DryRunTransport(
                    setup: DryRun.simulationSetup(options: DryRunOptions(skin: .fitzpatrick1to3), seed: 1))
            }
        } throws: { error in (error as? CalibrationError)?.kind == .badInput && "\(error)".contains("keloid") }
        #expect(!opened)
    }

    @Test("a surface outside the Z travel or with an implausible slope is refused")
    func implausibleSurface() throws {
        let grid = SurfaceGridFixture.grid
        let flat = [Int32](repeating: 2_000, count: 9)
        try Calibrator.checkSurface(flat, grid: grid, board: .r1)
        var steep = flat
        steep[4] = 2_000 + 4_000
        #expect(throws: CalibrationError.self) { try Calibrator.checkSurface(steep, grid: grid, board: .r1) }
        let deep = [Int32](repeating: 7_900, count: 9)
        #expect {
            try Calibrator.checkSurface(deep, grid: grid, board: .r1)
        } throws: { error in "\(error)".contains("outside the Z travel") }
    }

    @Test("a ladder whose load never drops is refused: no puncture")
    func noPuncture() {
        var tenting: [Calibrator.Sample] = []
        for rung in 0..<12 {
            let z: Double = 0.2 + 0.1 * Double(rung)
            let load = UInt16(max(0.0, 500.0 * (z - 0.3)))
            tenting.append(Calibrator.Sample(dot: UInt32(rung + 1), order: 0, zMM: z, peak: load, bottom: load))
        }
        #expect {
            _ = try Calibrator.analyse(tenting, knownMembrane: nil, region: .crown)
        } throws: { error in
            (error as? CalibrationError)?.kind == .measurement && "\(error)".contains("no stroke punctured")
        }
    }
}

enum SurfaceGridFixture {
    static let grid = SurfaceGrid(originXMicrometres: 0, originYMicrometres: 0, spacingMicrometres: 5_000, nx: 3, ny: 3)
}
