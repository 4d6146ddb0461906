import Foundation

/// The skin a dot heals in: its colour and how deep pigment is deposited.
public struct SkinTone: Sendable, Equatable {
    /// Fitzpatrick type 1-6.
    public var fitzpatrick: Int
    public var colour: LabColour

    /// Representative skin colours [E], each placed inside the Individual Typology Angle band
    /// (ITA = atan((L* - 50) / b*), Chardon et al. 1991, Int J Cosmet Sci 13:191) most often reported for the
    /// Fitzpatrick type: I very light (> 55 deg), II light (41-55), III intermediate (28-41), IV tan (10-28),
    /// V brown (-30-10), VI dark (< -30). Fitzpatrick types and ITA bands correlate only loosely.
    public static let byFitzpatrick: [SkinTone] = [
        SkinTone(fitzpatrick: 1, colour: LabColour(72, 8, 14)),
        SkinTone(fitzpatrick: 2, colour: LabColour(66, 10, 16)),
        SkinTone(fitzpatrick: 3, colour: LabColour(60, 11, 18)),
        SkinTone(fitzpatrick: 4, colour: LabColour(55, 12, 20)),
        SkinTone(fitzpatrick: 5, colour: LabColour(45, 12, 19)),
        SkinTone(fitzpatrick: 6, colour: LabColour(33, 10, 13)),
    ]

    /// `1`-`6`, `I`-`VI`, or a profile name (`fitzpatrick-1-3` means type III, `fitzpatrick-4-6` type V).
    public static func parse(_ text: String) -> SkinTone? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let romans = ["i", "ii", "iii", "iv", "v", "vi"]
        let type: Int? =
            switch t {
            case "fitzpatrick-1-3": 3
            case "fitzpatrick-4-6": 5
            default: Int(t).flatMap { (1...6).contains($0) ? $0 : nil } ?? romans.firstIndex(of: t).map { $0 + 1 }
            }
        return type.map { byFitzpatrick[$0 - 1] }
    }

    /// The skin profile planning uses for this type.
    public var profile: SkinProfile { fitzpatrick <= 3 ? .fitzpatrick1to3 : .fitzpatrick4to6 }
}

/// Predicts the healed colour of a dot: pigment at a dilution, deposited at a depth under a skin.
///
/// Model (Docs/Pigment.md). In linear-light sRGB, per channel c:
///   ink_c = d * pigment_c + (1 - d) * skin_c          (dilution d: share of the dot's area the pigment covers)
///   seen_c = e_c * ink_c + (1 - e_c) * skin_c,  e_c = exp(-(mu_c / mu_green) * depth / visibleDepthMM)
/// e_c is the share of light that reaches the deposit and comes back; the rest is scattered back by the skin
/// above it. Tissue scatters short wavelengths more (reduced scattering mu's(lambda) = a (lambda / 500 nm)^-b, b =
/// 1.421 for skin, Jacques 2013, Phys Med Biol 58:R37), so the blue channel sees less of a deep deposit than red:
/// deeper pigment looks bluer and greyer (the Tyndall effect). Channel wavelengths 610 / 550 / 465 nm give
/// mu ratios 0.863 / 1 / 1.269. `visibleDepthMM` is an engineering estimate [E], set so that a neat deposit of the
/// catalogue's carbon black (its published masstone, L* 10.2) at 0.55 mm heals to L* 30 on type II skin (a very
/// dark grey, as healed SMP dots look); photographs of healed dots measured against the catalogue should replace it.
public enum HealedTone {
    public static let visibleDepthMM = 3.3
    static let scatteringRatios = (
        r: pow(610.0 / 550, -1.421), g: 1.0, b: pow(465.0 / 550, -1.421)
    )

    public static func predict(pigment: LabColour, dilution: Double, depthMM: Double, skin: LabColour) -> LabColour {
        predict(pigment: pigment, dilution: dilution, depthMM: depthMM, skin: skin, ratios: scatteringRatios)
    }

    /// The model with other per-channel scattering ratios (tests compare against a wavelength-neutral skin).
    static func predict(
        pigment: LabColour, dilution: Double, depthMM: Double, skin: LabColour,
        ratios: (r: Double, g: Double, b: Double)
    ) -> LabColour {
        let p = pigment.linear
        let s = skin.linear
        func channel(_ pc: Double, _ sc: Double, _ ratio: Double) -> Double {
            let ink = dilution * pc + (1 - dilution) * sc
            let e = exp(-ratio * depthMM / visibleDepthMM)
            return e * ink + (1 - e) * sc
        }
        return LabColour.fromLinear(
            channel(p.r, s.r, ratios.r), channel(p.g, s.g, ratios.g), channel(p.b, s.b, ratios.b))
    }
}
