import ArgumentParser
import Foundation
import SMPBoardSim
import SMPCalibration
import SMPDryRun
import SMPHardware
import SMPPlanning

/// `smpctl calibrate`: the height mesh and the puncture ladder, written as a client profile.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Calibrate the hang for a client: height mesh, puncture ladder, client profile.",
        discussion: """
            Probes a mesh over the plan's area (held-out and repeat touch-offs measure its quality), then needles a \
            test patch per scalp region at increasing hangs with stroke detail: tenting strokes give the membrane \
            loss and tent stiffness, punctured strokes the residual tent; the hang per region is set for the target \
            deposit depth. --port sim uses the in-process simulated board with the patient of --skin and --seed \
            (the same patient `smpctl dry-run --skin --seed` meets). Only `sim` is supported yet.

            Exit codes: 0 profile written; 64 usage; 65 bad input (plan, skin type refused, target outside the \
            band); 69 the measurement failed (no surface, implausible slope, no puncture, unstable signal); 73 the \
            profile could not be written. Nothing is written on failure.
            """)

    @Option(name: .long, help: "sim (the in-process simulated board); serial ports are not supported yet.")
    var port: String

    @Option(name: .long, help: "Skin type (fitzpatrick-1-3, fitzpatrick-4-6, thin, thick-oily, scar).")
    var skin: String

    @Option(
        name: .long,
        help:
            "Plan whose area is calibrated (required: the mesh covers its dots, the ladder runs in its scalp regions).")
    var plan: String

    @Option(name: .long, parsing: .unconditional, help: "Target deposit depth (mm), inside the skin type's band.")
    var targetDepth: Double?

    @Option(name: .long, parsing: .unconditional, help: "Seed of the simulated patient (with --port sim; 0-2^64-1).")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Profile file to write (default: $XDG_CONFIG_HOME/smpctl/profiles/NAME.json).")
    var out: String?

    @Flag(name: .long, help: "Print the summary as JSON.")
    var json = false

    func run() throws {
        guard port == "sim" else {
            throw CommandFailure(.unavailable, "--port \(port): only `sim` is supported yet (no wall-time driver)")
        }
        guard let profile = SkinProfile.named(skin) else {
            throw CommandFailure(
                .usage,
                "--skin: unknown skin type \"\(skin)\"; expected one of "
                    + SkinProfile.catalogue.map(\.name).joined(separator: ", "))
        }
        if let reason = profile.refusalReason { throw CommandFailure(.dataError, "--skin \(skin): \(reason)") }
        guard let skinType = SkinType(rawValue: skin) else {
            throw CommandFailure(.usage, "--skin \(skin): the simulator has no patient of this type")
        }
        let result = try CommandFiles.plannedSession(plan)
        let options = DryRunOptions(skin: skinType)
        let setup = DryRun.simulationSetup(options: options, seed: seed)
        let request = CalibrationRequest(
            skin: profile, area: result.sessionDots.map { ($0.position.x, $0.position.y) }, targetDepthMM: targetDepth,
            board: options.board, handpiece: options.handpiece)
        let wallStart = ContinuousClock.now
        var calibrated: ClientProfile
        do {
            calibrated = try Calibrator.run(
                request, date: ISO8601DateFormatter().string(from: Date()),
                makeTransport: { DryRunTransport(setup: setup) })
        } catch {
            switch error.kind {
            case .badInput: throw CommandFailure(.dataError, error.message)
            case .measurement: throw CommandFailure(.unavailable, error.message)
            case .cannotWrite: throw CommandFailure(.ioError, error.message)
            }
        }
        let wall = ContinuousClock.now - wallStart
        let name =
            out.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
            ?? "\(skin)-seed\(seed)"
        calibrated.name = name
        let path = out ?? ProfileStore.directory() + "/\(name).json"
        do { try ProfileStore.write(calibrated, to: path) } catch {
            throw CommandFailure(.ioError, error.message)
        }
        let summary = CalibrationSummary(
            profile: path, skinType: skin, seed: seed,
            hangMM: calibrated.regions.mapValues(\.hangMM),
            lossMM: calibrated.regions.mapValues(\.lossMM), membraneLossMM: calibrated.membraneLossMM,
            meshResidualMM: calibrated.quality.meshResidualMM, repeatabilityMM: calibrated.quality.repeatabilityMM,
            strokesUsed: calibrated.quality.strokesUsed, sitesUsed: calibrated.quality.sitesUsed,
            machineTimeS: calibrated.quality.machineTimeS,
            hostTimeS: Double(wall.components.seconds) + Double(wall.components.attoseconds) * 1e-18)
        if json {
            try Output.json(summary)
        } else {
            Output.line("calibrated \(skin) (seed \(seed)) -> \(path)")
            for (region, hang) in summary.hangMM.sorted(by: { $0.key < $1.key }) {
                Output.line(
                    "  \(region): hang \(hang.formatted(3)) mm (loss \(summary.lossMM[region]!.formatted(3)) mm)")
            }
            Output.line(
                "  mesh residual \(summary.meshResidualMM.formatted(3)) mm, \(summary.sitesUsed) sites, "
                    + "\(summary.strokesUsed) strokes, \(summary.machineTimeS.formatted(1)) s machine time")
        }
    }
}

struct CalibrationSummary: Encodable {
    var profile: String
    var skinType: String
    var seed: UInt64
    var hangMM: [String: Double]
    var lossMM: [String: Double]
    var membraneLossMM: Double
    var meshResidualMM: Double
    var repeatabilityMM: Double
    var strokesUsed: Int
    var sitesUsed: Int
    var machineTimeS: Double
    var hostTimeS: Double

    enum CodingKeys: String, CodingKey {
        case profile, seed
        case skinType = "skin_type"
        case hangMM = "hang_mm"
        case lossMM = "loss_mm"
        case membraneLossMM = "membrane_loss_mm"
        case meshResidualMM = "mesh_residual_mm"
        case repeatabilityMM = "repeatability_mm"
        case strokesUsed = "strokes_used"
        case sitesUsed = "sites_used"
        case machineTimeS = "machine_time_s"
        case hostTimeS = "host_time_s"
    }
}

extension Double {
    func formatted(_ decimals: Int) -> String { String(format: "%.\(decimals)f", self) }
}

/// `smpctl profiles list|show NAME`: built-in skin types and saved client profiles.
struct ProfilesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "profiles", abstract: "List or show skin-type and client profiles.",
        subcommands: [List.self, Show.self])

    struct Entry: Encodable {
        var name: String
        var kind: String
    }

    struct List: ParsableCommand {
        @Flag(name: .long, help: "Print as JSON.") var json = false
        func run() throws {
            var entries = SkinProfile.catalogue.map { Entry(name: $0.name, kind: "skin-type") }
            entries += ProfileStore.savedNames(in: ProfileStore.directory()).map { Entry(name: $0, kind: "client") }
            if json {
                try Output.json(entries)
            } else {
                for entry in entries { Output.line("\(entry.name)  \(entry.kind)") }
            }
        }
    }

    struct Show: ParsableCommand {
        @Argument(help: "A skin type or a saved client profile's name.") var name: String
        @Flag(name: .long, help: "Print as JSON.") var json = false
        func run() throws {
            if let profile = SkinProfile.named(name) {
                var fields: [String: String] = ["name": profile.name, "kind": "skin-type", "summary": profile.summary]
                if let reason = profile.refusalReason {
                    fields["refuse"] = reason
                } else {
                    fields["deposit_target_mm"] =
                        "\(profile.depositTargetMM.lowerBound)-\(profile.depositTargetMM.upperBound)"
                    fields["typical_hang_mm"] =
                        "\(profile.typicalHangMM.lowerBound)-\(profile.typicalHangMM.upperBound)"
                    fields["stroke_rate_hz"] = "\(profile.strokeRateHz.lowerBound)-\(profile.strokeRateHz.upperBound)"
                    fields["strokes_per_dot"] =
                        "\(profile.strokesPerDot.lowerBound)-\(profile.strokesPerDot.upperBound)"
                    fields["pitch_mm"] = "\(profile.pitchMM.lowerBound)-\(profile.pitchMM.upperBound)"
                    fields["needle"] = profile.defaultNeedle
                }
                if json {
                    try Output.json(fields)
                } else {
                    for key in fields.keys.sorted() { Output.line("\(key): \(fields[key]!)") }
                }
                return
            }
            let path = ProfileStore.directory() + "/\(name).json"
            guard let data = FileManager.default.contents(atPath: path) else {
                throw CommandFailure(.noInput, "profile \"\(name)\": no skin type or saved profile (\(path))")
            }
            if json {
                FileHandle.standardOutput.write(data)
            } else {
                Output.line("name: \(name)\nkind: client\nfile: \(path)")
                FileHandle.standardOutput.write(data)
            }
        }
    }
}
