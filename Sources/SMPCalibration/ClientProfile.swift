import Foundation
import SMPHardware
import SMPPlanning

/// A client's calibrated profile: the hardware it was measured with, the skin type, the measured losses, the hang per
/// scalp region for the target deposit depth, the height mesh, and the calibration's own quality figures.
public struct ClientProfile: Codable, Sendable, Equatable {
    public static let formatName = "smpctl-client-profile/1"

    /// The probed height mesh (µm, hang coordinates: positive = skin closer), row-major, x fastest.
    public struct Mesh: Codable, Sendable, Equatable {
        public var originXMicrometres: Int32
        public var originYMicrometres: Int32
        public var spacingMicrometres: UInt32
        public var nx: Int
        public var ny: Int
        public var heightsMicrometres: [Int32]

        enum CodingKeys: String, CodingKey {
            case originXMicrometres = "origin_x_um"
            case originYMicrometres = "origin_y_um"
            case spacingMicrometres = "spacing_um"
            case nx, ny
            case heightsMicrometres = "heights_um"
        }
    }

    /// The calibration's own quality figures.
    public struct Quality: Codable, Sendable, Equatable {
        /// Largest |touch-off - map| at the held-out points (mm).
        public var meshResidualMM: Double
        /// Largest |repeat touch-off - first touch-off| at the repeat nodes (mm).
        public var repeatabilityMM: Double
        /// Largest change of a region's loss estimate between the ladder and its check dots (mm).
        public var lossChangeMM: Double
        public var strokesUsed: Int
        public var sitesUsed: Int
        public var touchOffs: Int
        public var passes: Int
        public var machineTimeS: Double

        enum CodingKeys: String, CodingKey {
            case meshResidualMM = "mesh_residual_mm"
            case repeatabilityMM = "repeatability_mm"
            case lossChangeMM = "loss_change_mm"
            case strokesUsed = "strokes_used"
            case sitesUsed = "sites_used"
            case touchOffs = "touch_offs"
            case passes
            case machineTimeS = "machine_time_s"
        }
    }

    /// What the ladder measured in one scalp region.
    public struct RegionCalibration: Codable, Sendable, Equatable {
        /// Deposit depth aimed at here (mm): the target plus the regional modifier.
        public var targetDepthMM: Double
        /// Tent stiffness from the tenting rungs (N/mm).
        public var tentStiffnessNPerMM: Double
        /// Residual tent after puncture (mm): settled load / stiffness.
        public var residualTentMM: Double
        /// Membrane loss + residual tent (mm): hang minus deposit depth.
        public var lossMM: Double
        /// Lowest local hang from which every stroke punctures (mm): the deepest puncture intrusion measured over the
        /// region's test sites, plus the membrane loss and the margin.
        public var reliablePunctureHangMM: Double
        public var hangMM: Double
        /// How far above the deepest puncture measured the hang is kept at least (mm): half the spread of the
        /// puncture intrusions between the region's test sites, at least 0.02 mm. Absent in older profiles.
        public var punctureMarginMM: Double?
        /// Test sites needled in this region (ladder rungs and check dots). Absent in older profiles.
        public var sites: Int?

        /// A region's calibration; `punctureMarginMM` and `sites` may be absent (older profiles).
        public init(
            targetDepthMM: Double, tentStiffnessNPerMM: Double, residualTentMM: Double, lossMM: Double,
            reliablePunctureHangMM: Double, hangMM: Double, punctureMarginMM: Double? = nil, sites: Int? = nil
        ) {
            self.targetDepthMM = targetDepthMM
            self.tentStiffnessNPerMM = tentStiffnessNPerMM
            self.residualTentMM = residualTentMM
            self.lossMM = lossMM
            self.reliablePunctureHangMM = reliablePunctureHangMM
            self.hangMM = hangMM
            self.punctureMarginMM = punctureMarginMM
            self.sites = sites
        }

        enum CodingKeys: String, CodingKey {
            case targetDepthMM = "target_depth_mm"
            case tentStiffnessNPerMM = "tent_stiffness_n_per_mm"
            case residualTentMM = "residual_tent_mm"
            case lossMM = "loss_mm"
            case reliablePunctureHangMM = "reliable_puncture_hang_mm"
            case hangMM = "hang_mm"
            case punctureMarginMM = "puncture_margin_mm"
            case sites
        }
    }

    public var format = formatName
    public var name: String
    public var board: String
    public var handpiece: String
    public var cartridge: String
    public var skinType: String
    /// When the calibration ran (ISO 8601, UTC).
    public var date: String
    public var targetDepthMM: Double
    /// The cartridge membrane loss (mm): the local hang at which the tent load is zero.
    public var membraneLossMM: Double
    /// Per scalp region (`front`, `temples`, `crown`, `occiput`).
    public var regions: [String: RegionCalibration]
    public var mesh: Mesh
    public var quality: Quality

    enum CodingKeys: String, CodingKey {
        case format, name, board, handpiece, cartridge, date, regions, mesh, quality
        case skinType = "skin_type"
        case targetDepthMM = "target_depth_mm"
        case membraneLossMM = "membrane_loss_mm"
    }

    /// The hang for each scalp region (mm).
    public var hangByRegion: [ScalpRegion: Double] {
        var result: [ScalpRegion: Double] = [:]
        for (key, value) in regions { if let region = ScalpRegion(rawValue: key) { result[region] = value.hangMM } }
        return result
    }

    /// Encoded as the file holds it (sorted keys, pretty).
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        var data = try encoder.encode(self)
        data.append(0x0A)
        return data
    }

    /// Reads a profile file and checks it belongs to this hardware (board, handpiece, a cartridge of the board's
    /// `cartridges`): one-line errors name the file and the field. The run fits the profile's cartridge: its dots
    /// were calibrated with it.
    public static func load(
        from path: String, board: BoardDefinition, handpiece: HandpieceDefinition,
        cartridges: CartridgeCatalogue = .reference
    ) throws(CalibrationError) -> ClientProfile {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CalibrationError(.badInput, "\(path): cannot read the profile file")
        }
        let profile: ClientProfile
        do { profile = try JSONDecoder().decode(ClientProfile.self, from: data) } catch {
            throw CalibrationError(.badInput, "\(path): not a client profile (\(Self.describe(error)))")
        }
        guard profile.format == formatName else {
            throw CalibrationError(.badInput, "\(path): format is \"\(profile.format)\"; expected \"\(formatName)\"")
        }
        guard profile.board == board.model else {
            throw CalibrationError(
                .badInput, "\(path): board is \"\(profile.board)\"; expected \"\(board.model)\" (recalibrate)")
        }
        guard profile.handpiece == handpiece.model else {
            throw CalibrationError(
                .badInput,
                "\(path): handpiece is \"\(profile.handpiece)\"; expected \"\(handpiece.model)\" (recalibrate)")
        }
        guard cartridges.cartridge(named: profile.cartridge) != nil else {
            throw CalibrationError(
                .badInput,
                "\(path): cartridge is \"\(profile.cartridge)\"; expected one the board accepts ("
                    + cartridges.cartridges.map(\.name).joined(separator: ", ") + ") (recalibrate)")
        }
        for (key, region) in profile.regions {
            guard ScalpRegion(rawValue: key) != nil else {
                throw CalibrationError(.badInput, "\(path): regions.\(key) is not a scalp region")
            }
            guard region.hangMM > 0 && region.hangMM <= board.hangCeilingMM else {
                throw CalibrationError(
                    .badInput,
                    "\(path): regions.\(key).hang_mm is \(region.hangMM); expected more than 0 and at most "
                        + "\(board.hangCeilingMM)")
            }
        }
        return profile
    }

    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing \((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted(let context):
            return "invalid JSON at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default: return "\(error)"
        }
    }
}

/// Where client profiles are saved: `$XDG_CONFIG_HOME/smpctl/profiles/` (else `~/.config/smpctl/profiles/`).
public enum ProfileStore {
    public static func directory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let base =
            environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
        return base + "/smpctl/profiles"
    }

    /// The saved profile names (file names without `.json`), sorted.
    public static func savedNames(in directory: String) -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// Writes `profile` to `path` atomically (a temporary file renamed over it): never a half-written profile.
    public static func write(_ profile: ClientProfile, to path: String) throws(CalibrationError) {
        let url = URL(fileURLWithPath: path)
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try profile.encoded().write(to: url, options: .atomic)
        } catch {
            throw CalibrationError(.cannotWrite, "\(path): cannot write the profile (\(error.localizedDescription))")
        }
    }
}

/// A calibration that cannot run or cannot give a trustworthy profile: one line; nothing is written.
public struct CalibrationError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The request or a file is wrong (exit 65).
        case badInput
        /// The board or the skin did not give a usable measurement (exit 69).
        case measurement
        /// The profile could not be written (exit 73).
        case cannotWrite
        /// The link to the board failed or the board stopped answering during a pass (exit 74).
        case link
    }
    public var kind: Kind
    public var message: String
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
    public var description: String { message }
}
