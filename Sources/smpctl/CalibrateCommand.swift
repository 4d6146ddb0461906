import ArgumentParser
import Foundation
import SMPBoardSim
import SMPCalibration
import SMPControl
import SMPDryRun
import SMPHardware
import SMPPlanning
import SMPRun

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
            (the same patient `smpctl dry-run --skin --seed` meets); --port PATH or auto calibrates on the board \
            there, in wall time, through the wire only (--seed does not apply).

            Exit codes: 0 profile written; 64 usage; 65 bad input (plan, skin type refused, target outside the \
            band); 69 the measurement failed (no surface, implausible slope, no puncture, unstable signal) or the \
            port cannot be used (missing, busy, not a serial port, another protocol, a board that reports another \
            board, handpiece or cartridge); 73 the profile could not be written; 74 the board does not answer or \
            the link failed during the calibration. Nothing is written on failure.
            """)

    @Option(
        name: .long,
        help: ArgumentHelp(
            "sim (the in-process simulated board), a serial port path, or 'auto' for the single connected SMP board.",
            valueName: "sim|path|auto"))
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

    @Option(
        name: .long, parsing: .unconditional,
        help: "Seed of the simulated patient (--port sim only; 0-2^64-1; default 1).")
    var seed: UInt64?

    @Option(
        name: .long,
        help: """
            Profile file to write (default: $XDG_CONFIG_HOME/smpctl/profiles/NAME.json, NAME = SKIN-seedN for sim, \
            SKIN-YYYYMMDD-HHMMSS for a port).
            """)
    var out: String?

    @Flag(name: .long, help: "Print the summary as JSON.")
    var json = false

    @OptionGroup var hardware: HardwareOptions

    @OptionGroup var line: LineSpeedOption

    static let simulatedPort = "sim"

    func validate() throws {
        if port != Self.simulatedPort && seed != nil {
            throw ValidationError("--seed: only with --port sim (a real board's patient is the client in the chair)")
        }
    }

    func run() throws {
        guard let profile = SkinProfile.named(skin) else {
            throw CommandFailure(
                .usage,
                "--skin: unknown skin type \"\(skin)\"; expected one of "
                    + SkinProfile.catalogue.map(\.name).joined(separator: ", "))
        }
        if let reason = profile.refusalReason { throw CommandFailure(.dataError, "--skin \(skin): \(reason)") }
        let result = try CommandFiles.plannedSession(plan)
        let area = result.sessionDots.map { ($0.position.x, $0.position.y) }
        let date = Date()
        let stamp = ISO8601DateFormatter().string(from: date)
        let wallStart = ContinuousClock.now
        var calibrated: ClientProfile
        let defaultName: String
        if port == Self.simulatedPort {
            guard let skinType = SkinType(rawValue: skin) else {
                throw CommandFailure(.usage, "--skin \(skin): the simulator has no patient of this type")
            }
            let seed = seed ?? 1
            var options = DryRunOptions(skin: skinType)
            options.scars = ScarOutline.areas(of: result.plan)
            let setup = DryRun.simulationSetup(options: options, seed: seed)
            let request = CalibrationRequest(
                skin: profile, area: area, targetDepthMM: targetDepth, board: options.board,
                handpiece: options.handpiece)
            calibrated = try Self.calibrate(request, date: stamp, port: nil) { DryRunTransport(setup: setup) }
            defaultName = "\(skin)-seed\(seed)"
        } else {
            let connection = try BoardPort.connect(port, hardware: hardware, line: line, timeoutMilliseconds: 2_000)
            let transport = connection.transport
            defer { transport.close() }
            let request = CalibrationRequest(
                skin: profile, area: area, targetDepthMM: targetDepth, board: connection.board,
                handpiece: .rotaryR1)
            try Self.check(connection, against: request)
            // One open port for every pass: each pass is a session of its own on it, as on the simulator, and a
            // port closed and opened again between passes could reset a USB board.
            calibrated = try Self.calibrate(request, date: stamp, port: transport) { transport }
            defaultName = "\(skin)-" + Self.compactUTC(date)
        }
        let wall = ContinuousClock.now - wallStart
        let name = out.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent } ?? defaultName
        calibrated.name = name
        let path = out ?? ProfileStore.directory() + "/\(name).json"
        do { try ProfileStore.write(calibrated, to: path) } catch {
            throw CommandFailure(.ioError, error.message)
        }
        let summary = CalibrationSummary(
            profile: path, port: port, skinType: skin, seed: port == Self.simulatedPort ? seed ?? 1 : nil,
            hangMM: calibrated.regions.mapValues(\.hangMM),
            lossMM: calibrated.regions.mapValues(\.lossMM), membraneLossMM: calibrated.membraneLossMM,
            meshResidualMM: calibrated.quality.meshResidualMM, repeatabilityMM: calibrated.quality.repeatabilityMM,
            strokesUsed: calibrated.quality.strokesUsed, sitesUsed: calibrated.quality.sitesUsed,
            machineTimeS: calibrated.quality.machineTimeS,
            hostTimeS: Double(wall.components.seconds) + Double(wall.components.attoseconds) * 1e-18)
        if json {
            try Output.json(summary)
        } else {
            let patient = summary.seed.map { "seed \($0)" } ?? "on \(port)"
            Output.line("calibrated \(skin) (\(patient)) -> \(path)")
            for (region, hang) in summary.hangMM.sorted(by: { $0.key < $1.key }) {
                Output.line(
                    "  \(region): hang \(hang.formatted(3)) mm (loss \(summary.lossMM[region]!.formatted(3)) mm)")
            }
            Output.line(
                "  mesh residual \(summary.meshResidualMM.formatted(3)) mm, \(summary.sitesUsed) sites, "
                    + "\(summary.strokesUsed) strokes, \(summary.machineTimeS.formatted(1)) s machine time")
        }
    }

    /// Runs the calibration and turns its failure into the command's: on a port, a link that failed names the port
    /// and the failing call (69 for a port that became unusable, 74 for the I/O).
    static func calibrate<Transport: ControllerTransport>(
        _ request: CalibrationRequest, date: String, port: SerialControllerTransport?,
        makeTransport: () -> Transport
    ) throws -> ClientProfile {
        do {
            return try Calibrator.run(request, date: date, makeTransport: makeTransport)
        } catch {
            switch error.kind {
            case .badInput: throw CommandFailure(.dataError, error.message)
            case .measurement: throw CommandFailure(.unavailable, error.message)
            case .cannotWrite: throw CommandFailure(.ioError, error.message)
            case .link:
                if let port, let lost = port.lastError { throw CommandFailure(serialError: lost) }
                throw CommandFailure(.ioError, (port.map { "\($0.path): " } ?? "") + error.message)
            }
        }
    }

    /// The board's hello against what the calibration is for: the profile records the board, handpiece and
    /// cartridge, so a board that reports others would yield a profile measured on the wrong hardware.
    static func check(_ connection: BoardPort.Connection, against request: CalibrationRequest) throws {
        let hello = connection.hello
        let wanted = [
            ("board", hello.boardModel, request.board.model),
            ("handpiece", hello.handpieceModel, request.handpiece.model),
        ]
        for (what, found, expected) in wanted where found != expected {
            throw CommandFailure(
                .unavailable, "\(connection.path): the board reports \(what) \"\(found)\"; expected \"\(expected)\"")
        }
        // The cartridge the calibration needles with (the skin profile's), not the handpiece's default: on a real
        // port the operator fits it, and a board reporting another would be told of a change nobody made.
        let cartridge = request.cartridge.name
        if !hello.cartridge.isEmpty && hello.cartridge != cartridge {
            throw CommandFailure(
                .unavailable,
                "\(connection.path): the board reports cartridge \"\(hello.cartridge)\" fitted; expected "
                    + "\"\(cartridge)\" (fit it, or calibrate with that cartridge's handpiece definition)")
        }
    }

    /// `date` as YYYYMMDD-HHMMSS in UTC: a default profile name that does not overwrite an earlier calibration.
    static func compactUTC(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd-HHmmss"
        return formatter.string(from: date)
    }
}

struct CalibrationSummary: Encodable {
    var profile: String
    var port: String
    var skinType: String
    /// The simulated patient's seed; nil on a real port.
    var seed: UInt64?
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
        case profile, port, seed
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
