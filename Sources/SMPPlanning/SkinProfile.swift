import Foundation

/// A practitioner-facing skin profile: what planning and calibration assume about a skin type before a client's
/// calibration refines it.
///
/// The values come from one table, `Hardware/skin-profiles.json` (compiled in as ``SkinProfile/tableText``; a test
/// checks the two are equal), with the provenance of each value ([S] published source, [E] engineering estimate).
/// The simulator keeps its own hidden skin parameters under the same names.
public struct SkinProfile: Sendable, Hashable {
    public let name: String
    public let summary: String
    /// Target deposit depth of the pigment in tissue, mm (not the needle hang).
    public let depositTargetMM: ClosedRange<Double>
    /// Typical needle hang, mm; planning uses the middle unless a region overrides the depth.
    public let typicalHangMM: ClosedRange<Double>
    public let strokeRateHz: ClosedRange<Double>
    public let strokesPerDot: ClosedRange<Int>
    /// Final dot pitch, mm, at full density.
    public let pitchMM: ClosedRange<Double>
    /// The needle a region with this profile gets when it names none.
    public let defaultNeedle: String
    /// Planning refuses profiles that must not be treated (keloid history).
    public let refusalReason: String?
    /// Where each value comes from, by its table key (`deposit_target_mm`, `typical_hang_mm`, ...).
    public let provenance: [String: String]

    /// The hang planning assumes for a dot: the middle of the typical range.
    public var plannedHangMM: Double { (typicalHangMM.lowerBound + typicalHangMM.upperBound) / 2 }
    public var plannedStrokeRateHz: Double { (strokeRateHz.lowerBound + strokeRateHz.upperBound) / 2 }
    /// Strokes per dot: the middle of the range, rounded down (fewer strokes is the safe side).
    public var plannedStrokes: Int { (strokesPerDot.lowerBound + strokesPerDot.upperBound) / 2 }
    /// The deposit depth aimed at: the middle of the target band (mm).
    public var depositTargetMiddleMM: Double { (depositTargetMM.lowerBound + depositTargetMM.upperBound) / 2 }
    /// Density (dots/cm^2) of a hexagon-like pattern at the middle of the pitch range: 2 / (sqrt(3) p^2).
    public var defaultDensityPerCM2: Double {
        let p = (pitchMM.lowerBound + pitchMM.upperBound) / 2
        return 200 / (3.0.squareRoot() * p * p)
    }
}

/// The skin-profile table: the profiles and the regional modifiers of the deposit depth.
public struct SkinProfileTable: Sendable, Hashable {
    public static let format = "smpctl-skin-profiles/1"
    public var profiles: [SkinProfile]
    /// Deposit-depth modifiers (mm) by scalp region key (`crown`, `occiput`, `front`, `temples`).
    public var regionalModifiersMM: [String: Double]
    public var regionalModifierSource: String

    /// The modifier of the deposit depth for a plan region named `regionName` (mm): the modifier of the first key
    /// the name contains (case-insensitive; `temple` matches `temples`), else 0.
    public func regionalModifierMM(forRegionNamed regionName: String) -> Double {
        let lower = regionName.lowercased()
        for key in regionalModifiersMM.keys.sorted() {
            let stem = key.hasSuffix("s") ? String(key.dropLast()) : key
            if lower.contains(stem) { return regionalModifiersMM[key]! }
        }
        return 0
    }

    /// Reads a table file's bytes; `source` names the file in errors.
    public static func decode(_ data: Data, source: String) throws -> SkinProfileTable {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw SkinProfileTableError(source: source, path: "$", found: "invalid JSON", expected: "a JSON object")
        }
        func fail(_ path: String, _ found: String, _ expected: String) -> SkinProfileTableError {
            SkinProfileTableError(source: source, path: path, found: found, expected: expected)
        }
        guard let root = object as? [String: Any] else { throw fail("$", "not an object", "an object") }
        guard root["format"] as? String == format else {
            throw fail("$.format", "\(root["format"] ?? "nothing")", "\"\(format)\"")
        }
        guard let modifiers = root["regional_modifiers_mm"] as? [String: Any] else {
            throw fail("$.regional_modifiers_mm", "missing", "an object of mm per region")
        }
        var regional: [String: Double] = [:]
        for (key, value) in modifiers where key != "source" {
            guard let number = value as? Double, abs(number) <= 0.5 else {
                throw fail("$.regional_modifiers_mm.\(key)", "\(value)", "a number of mm within +-0.5")
            }
            regional[key] = number
        }
        guard let list = root["profiles"] as? [[String: Any]], !list.isEmpty else {
            throw fail("$.profiles", "missing or empty", "an array of profiles")
        }
        var profiles: [SkinProfile] = []
        for (index, entry) in list.enumerated() {
            let at = "$.profiles[\(index)]"
            guard let name = entry["name"] as? String, !name.isEmpty else {
                throw fail(at + ".name", "missing", "a name")
            }
            let summary = entry["summary"] as? String ?? name
            var provenance: [String: String] = [:]
            if let refuse = entry["refuse"] as? String {
                provenance["refuse"] = entry["refuse_source"] as? String ?? ""
                profiles.append(
                    SkinProfile(
                        name: name, summary: summary, depositTargetMM: 0...0, typicalHangMM: 0...0,
                        strokeRateHz: 0...0, strokesPerDot: 0...0, pitchMM: 1...1, defaultNeedle: "1RL",
                        refusalReason: refuse, provenance: provenance))
                continue
            }
            func range(_ key: String, within limits: ClosedRange<Double>) throws -> ClosedRange<Double> {
                guard let value = entry[key] as? [String: Any], let low = value["min"] as? Double,
                    let high = value["max"] as? Double
                else { throw fail("\(at).\(key)", "missing", "{\"min\", \"max\", \"source\"}") }
                guard low <= high, limits.contains(low), limits.contains(high) else {
                    throw fail("\(at).\(key)", "\(low)-\(high)", "min <= max within \(limits)")
                }
                guard let source = value["source"] as? String, source.hasPrefix("[") else {
                    throw fail("\(at).\(key).source", "missing", "a provenance starting [S] or [E]")
                }
                provenance[key] = source
                return low...high
            }
            let deposit = try range("deposit_target_mm", within: 0.05...2)
            let hang = try range("typical_hang_mm", within: 0.1...2)
            let rate = try range("stroke_rate_hz", within: 1...1000)
            let strokes = try range("strokes_per_dot", within: 1...100)
            guard strokes.lowerBound.rounded() == strokes.lowerBound, strokes.upperBound.rounded() == strokes.upperBound
            else { throw fail("\(at).strokes_per_dot", "\(strokes)", "whole numbers") }
            let pitch = try range("pitch_mm", within: 0.2...10)
            guard let needle = entry["needle"] as? [String: Any], let needleName = needle["name"] as? String else {
                throw fail("\(at).needle", "missing", "{\"name\", \"source\"}")
            }
            provenance["needle"] = needle["source"] as? String ?? ""
            profiles.append(
                SkinProfile(
                    name: name, summary: summary, depositTargetMM: deposit, typicalHangMM: hang, strokeRateHz: rate,
                    strokesPerDot: Int(strokes.lowerBound)...Int(strokes.upperBound), pitchMM: pitch,
                    defaultNeedle: needleName, refusalReason: nil, provenance: provenance))
        }
        return SkinProfileTable(
            profiles: profiles, regionalModifiersMM: regional,
            regionalModifierSource: modifiers["source"] as? String ?? "")
    }
}

/// A skin-profile table that cannot be read: one line naming the file, the JSON path, what was found and expected.
public struct SkinProfileTableError: Error, CustomStringConvertible, Equatable {
    public var source: String
    public var path: String
    public var found: String
    public var expected: String
    public var description: String { "\(source): \(path) is \(found); expected \(expected)" }
}

extension SkinProfile {
    /// The text of `Hardware/skin-profiles.json`, byte for byte (a test compares them).
    public static let tableText = #"""
        {
          "format": "smpctl-skin-profiles/1",
          "provenance": "The skin-profile table of ../shared/DOMAIN.md: every cell is an engineering estimate [E] unless its source says [S]. Planning and calibration read this one table.",
          "regional_modifiers_mm": {
            "crown": 0.1,
            "occiput": 0.1,
            "front": -0.1,
            "temples": -0.1,
            "source": "[E] DOMAIN.md: about +0.1 mm deposit at crown and occiput, -0.1 mm at the front and temples"
          },
          "profiles": [
            {
              "name": "fitzpatrick-1-3",
              "summary": "Fitzpatrick I-III, normal scalp",
              "deposit_target_mm": {
                "min": 0.4,
                "max": 0.7,
                "source": "[E] DOMAIN.md profile table; upper papillary dermis is the target [S], deposits < 0.5 mm fade in weeks [S]"
              },
              "typical_hang_mm": {
                "min": 1.0,
                "max": 1.4,
                "source": "[E] ../shared/DOMAIN.md profile table"
              },
              "stroke_rate_hz": {
                "min": 110,
                "max": 130,
                "source": "[E] ../shared/DOMAIN.md profile table"
              },
              "strokes_per_dot": {
                "min": 3,
                "max": 5,
                "source": "[E] ../shared/DOMAIN.md profile table"
              },
              "pitch_mm": {
                "min": 1.0,
                "max": 1.1,
                "source": "[E] DOMAIN.md; ~1 mm matches follicular spacing [S: Rassman]"
              },
              "needle": {
                "name": "3RL",
                "source": "[E] DOMAIN.md: 3RL 0.20-0.25; 3RL for density [S]"
              },
              "refuse": null
            },
            {
              "name": "fitzpatrick-4-6",
              "summary": "Fitzpatrick IV-VI, larger dots, one pass per site",
              "deposit_target_mm": {
                "min": 0.4,
                "max": 0.7,
                "source": "[E] ../shared/DOMAIN.md profile table"
              },
              "typical_hang_mm": {
                "min": 1.1,
                "max": 1.6,
                "source": "[E] ../shared/DOMAIN.md profile table"
              },
              "stroke_rate_hz": {
                "min": 100,
                "max": 130,
                "source": "[E] ../shared/DOMAIN.md profile table"
              },
              "strokes_per_dot": {
                "min": 3,
                "max": 4,
                "source": "[E] ../shared/DOMAIN.md profile table"
              },
              "pitch_mm": {
                "min": 1.1,
                "max": 1.4,
                "source": "[E] DOMAIN.md; darker skin takes larger dots [S]"
              },
              "needle": {
                "name": "3RL",
                "source": "[E] DOMAIN.md: 3RL 0.25-0.30"
              },
              "refuse": null
            },
            {
              "name": "thin",
              "summary": "thin skin: hairline and temples",
              "deposit_target_mm": {
                "min": 0.3,
                "max": 0.5,
                "source": "[E] ../shared/DOMAIN.md profile table"
              },
              "typical_hang_mm": {
                "min": 0.8,
                "max": 1.1,
                "source": "[E] ../shared/DOMAIN.md profile table"
              },
              "stroke_rate_hz": {
                "min": 120,
                "max": 150,
                "source": "[E] ../shared/DOMAIN.md profile table"
              },
              "strokes_per_dot": {
                "min": 2,
                "max": 4,
                "source": "[E] ../shared/DOMAIN.md profile table"
              },
              "pitch_mm": {
                "min": 1.3,
                "max": 2.0,
                "source": "[E] DOMAIN.md: 1.3-2.0 in the transition zone"
              },
              "needle": {
                "name": "1RL",
                "source": "[E] DOMAIN.md: 1RL 0.18-0.20; 1RL at the hairline [S]"
              },
              "refuse": null
            },
            {
              "name": "thick-oily",
              "summary": "thick or oily skin, dots spread",
              "deposit_target_mm": {
                "min": 0.5,
                "max": 0.8,
                "source": "[E] ../shared/DOMAIN.md profile table"
              },
              "typical_hang_mm": {
                "min": 1.3,
                "max": 1.8,
                "source": "[E] ../shared/DOMAIN.md profile table"
              },
              "stroke_rate_hz": {
                "min": 100,
                "max": 120,
                "source": "[E] ../shared/DOMAIN.md profile table"
              },
              "strokes_per_dot": {
                "min": 3,
                "max": 6,
                "source": "[E] ../shared/DOMAIN.md profile table"
              },
              "pitch_mm": {
                "min": 1.1,
                "max": 1.3,
                "source": "[E] DOMAIN.md: dots spread"
              },
              "needle": {
                "name": "1RL",
                "source": "[E] DOMAIN.md: 1RL/3RL 0.20"
              },
              "refuse": null
            },
            {
              "name": "scar",
              "summary": "scar tissue, per patch",
              "deposit_target_mm": {
                "min": 0.3,
                "max": 0.6,
                "source": "[E] DOMAIN.md: per patch; scar holds pigment less well, fades ~1.8x more [S: Liu 2025]"
              },
              "typical_hang_mm": {
                "min": 0.8,
                "max": 1.5,
                "source": "[E] ../shared/DOMAIN.md profile table"
              },
              "stroke_rate_hz": {
                "min": 100,
                "max": 130,
                "source": "[E] ../shared/DOMAIN.md profile table"
              },
              "strokes_per_dot": {
                "min": 2,
                "max": 4,
                "source": "[E] ../shared/DOMAIN.md profile table"
              },
              "pitch_mm": {
                "min": 1.2,
                "max": 1.5,
                "source": "[E] ../shared/DOMAIN.md profile table"
              },
              "needle": {
                "name": "1RL",
                "source": "[E] DOMAIN.md: 1RL 0.20"
              },
              "refuse": null
            },
            {
              "name": "keloid",
              "summary": "keloid history: not planned",
              "refuse": "keloid history is refused for treatment planning (test patch only, via calibration)",
              "refuse_source": "DOMAIN.md: \"refuse, or test patch only\""
            }
          ]
        }

        """#

    /// The compiled-in table, read with the same reader as the file.
    public static let table: SkinProfileTable = {
        do { return try SkinProfileTable.decode(Data(tableText.utf8), source: "SkinProfile.tableText") } catch {
            preconditionFailure("the compiled-in skin-profile table is invalid: \(error)")
        }
    }()

    /// Every profile planning knows, by name.
    public static let catalogue: [SkinProfile] = table.profiles

    public static func named(_ name: String) -> SkinProfile? { catalogue.first { $0.name == name } }

    public static let fitzpatrick1to3 = named("fitzpatrick-1-3")!
    public static let fitzpatrick4to6 = named("fitzpatrick-4-6")!
    public static let thin = named("thin")!
    public static let thickOily = named("thick-oily")!
    public static let scar = named("scar")!
    /// Keloid history: refused by planning (DOMAIN.md: "refuse, or test patch only").
    public static let keloid = named("keloid")!
}
