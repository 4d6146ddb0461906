/// A practitioner-facing skin profile: what planning assumes about a skin type before calibration refines it.
///
/// The simulator keeps its own hidden skin parameters under the same names; these are the values a practitioner
/// would start from. Provenance per DOMAIN.md: every cell of the profile table is an engineering estimate [E];
/// the facts behind them are [S] where noted on each profile.
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

    /// The hang planning assumes for a dot: the middle of the typical range.
    public var plannedHangMM: Double { (typicalHangMM.lowerBound + typicalHangMM.upperBound) / 2 }
    public var plannedStrokeRateHz: Double { (strokeRateHz.lowerBound + strokeRateHz.upperBound) / 2 }
    /// Strokes per dot: the middle of the range, rounded down (fewer strokes is the safe side).
    public var plannedStrokes: Int { (strokesPerDot.lowerBound + strokesPerDot.upperBound) / 2 }
    /// Density (dots/cm^2) of a hexagon-like pattern at the middle of the pitch range: 2 / (sqrt(3) p^2).
    public var defaultDensityPerCM2: Double {
        let p = (pitchMM.lowerBound + pitchMM.upperBound) / 2
        return 200 / (3.0.squareRoot() * p * p)
    }
}

extension SkinProfile {
    /// Fitzpatrick I-III, normal scalp. [E] table values; dot pitch ~1 mm matches follicular spacing
    /// [S: Rassman]; deposit in the upper papillary dermis [S].
    public static let fitzpatrick1to3 = SkinProfile(
        name: "fitzpatrick-1-3", summary: "Fitzpatrick I-III, normal scalp", depositTargetMM: 0.4...0.7,
        typicalHangMM: 1.0...1.4, strokeRateHz: 110...130, strokesPerDot: 3...5, pitchMM: 1.0...1.1,
        defaultNeedle: "3RL", refusalReason: nil)

    /// Fitzpatrick IV-VI: larger dots, one pass per site. [E] table values; darker skin takes larger dots and
    /// less dilute pigment, pure black can shift blue-green [S].
    public static let fitzpatrick4to6 = SkinProfile(
        name: "fitzpatrick-4-6", summary: "Fitzpatrick IV-VI, larger dots, one pass per site",
        depositTargetMM: 0.4...0.7, typicalHangMM: 1.1...1.6, strokeRateHz: 100...130, strokesPerDot: 3...4,
        pitchMM: 1.1...1.4, defaultNeedle: "3RL", refusalReason: nil)

    /// Thin skin (hairline, temples). [E] table values; pitch 1.3-2.0 mm in the transition zone [E];
    /// 1RL at the hairline [S].
    public static let thin = SkinProfile(
        name: "thin", summary: "thin skin: hairline and temples", depositTargetMM: 0.3...0.5,
        typicalHangMM: 0.8...1.1, strokeRateHz: 120...150, strokesPerDot: 2...4, pitchMM: 1.3...2.0,
        defaultNeedle: "1RL", refusalReason: nil)

    /// Thick or oily skin: dots spread, so a wider pitch. [E] table values.
    public static let thickOily = SkinProfile(
        name: "thick-oily", summary: "thick or oily skin, dots spread", depositTargetMM: 0.5...0.8,
        typicalHangMM: 1.3...1.8, strokeRateHz: 100...120, strokesPerDot: 3...6, pitchMM: 1.1...1.3,
        defaultNeedle: "1RL", refusalReason: nil)

    /// Scar tissue, per patch. [E] table values; scar tissue holds pigment less well and fades ~1.8x more
    /// [S: Liu 2025].
    public static let scar = SkinProfile(
        name: "scar", summary: "scar tissue, per patch", depositTargetMM: 0.3...0.6, typicalHangMM: 0.8...1.5,
        strokeRateHz: 100...130, strokesPerDot: 2...4, pitchMM: 1.2...1.5, defaultNeedle: "1RL",
        refusalReason: nil)

    /// Keloid history: refused by planning. DOMAIN.md: "refuse, or test patch only"; a test patch is a
    /// calibration job, not a treatment plan.
    public static let keloid = SkinProfile(
        name: "keloid", summary: "keloid history: not planned", depositTargetMM: 0...0, typicalHangMM: 0...0,
        strokeRateHz: 0...0, strokesPerDot: 0...0, pitchMM: 1...1, defaultNeedle: "1RL",
        refusalReason: "keloid history is refused for treatment planning (test patch only, via calibration)")

    /// Every profile planning knows, by name.
    public static let catalogue: [SkinProfile] = [fitzpatrick1to3, fitzpatrick4to6, thin, thickOily, scar, keloid]

    public static func named(_ name: String) -> SkinProfile? { catalogue.first { $0.name == name } }
}
