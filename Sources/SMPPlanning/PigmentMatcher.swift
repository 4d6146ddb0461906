import Foundation

/// Recommends a pigment and dilution per session from the client's hair colour and skin
/// (`smpctl pigment match`). Deterministic: every candidate (catalogue order, dilutions in catalogue order) is
/// scored by the CIE76 difference between its predicted healed tone (`HealedTone`) and the session's target, and
/// the first lowest score wins.
///
/// Targets: the last session matches the hair colour; each earlier one is `lighterPerSessionL` L* lighter per
/// session still to come, because sessions build up lighter first and darker later [S: issue 15's brief] and a
/// tone too dark cannot be taken back, while a later session can darken it [E].
public enum PigmentMatcher {
    /// L* each earlier session is lighter than the next [E].
    public static let lighterPerSessionL = 4.0

    public struct SessionChoice: Sendable, Encodable {
        public var session: Int
        public var pigment: String
        public var dilution: Double
        public var target: LabColour
        public var predicted: LabColour
        public var deltaE: Double
        /// One line: the choice and why.
        public var explanation: String
    }

    public struct Recommendation: Sendable {
        public var hair: LabColour
        public var skin: SkinTone
        public var depthMM: Double
        public var sessions: [SessionChoice]
        public var warnings: [String]
    }

    public static func match(
        hair: LabColour, skin: SkinTone, sessions: Int, depthMM: Double? = nil,
        catalogue: PigmentCatalogue = .builtIn
    ) -> Recommendation {
        let profile = skin.profile
        let depth = depthMM ?? (profile.depositTargetMM.lowerBound + profile.depositTargetMM.upperBound) / 2
        var choices: [SessionChoice] = []
        var warnings: [String] = []
        // From the last session back, so that no session heals darker than a later one.
        var darkestLater = -Double.infinity
        for k in (1...sessions).reversed() {
            let lighter = lighterPerSessionL * Double(sessions - k)
            let target = LabColour(min(100, hair.l + lighter), hair.a, hair.b)
            var best: (Pigment, Double, LabColour, Double)?
            for pigment in catalogue.pigments {
                for dilution in pigment.dilutions {
                    let predicted = HealedTone.predict(
                        pigment: pigment.colour, dilution: dilution, depthMM: depth, skin: skin.colour)
                    let score = predicted.difference(to: target)
                    guard predicted.l >= darkestLater else { continue }
                    if best == nil || score < best!.3 { best = (pigment, dilution, predicted, score) }
                }
            }
            guard let (pigment, dilution, predicted, score) = best else { break }
            darkestLater = predicted.l
            let why =
                k == sessions
                ? "the hair colour itself for the last session"
                : "the hair colour \(oneDecimal(lighter)) L* lighter, so that session \(k + 1) can darken it"
            let estimate =
                switch pigment.source {
                case .estimate: " (catalogue colour is an estimate)"
                case .published: " (catalogue colour is a published reading of the pigment, not of this ink)"
                case .measured: ""
                }
            let explanation =
                "session \(k) of \(sessions): \(pigment.name) at \(Int((dilution * 100).rounded())) %: heals to "
                + "\(text(predicted)) at \(DotsDocument.fixed(depth, 2)) mm on Fitzpatrick \(roman(skin.fitzpatrick)) skin, "
                + "dE \(oneDecimal(score)) from the target \(text(target)), \(why)\(estimate)"
            choices.insert(
                SessionChoice(
                    session: k, pigment: pigment.name, dilution: dilution, target: target, predicted: predicted,
                    deltaE: (score * 10).rounded() / 10, explanation: explanation), at: 0)
            if pigment.isPureBlack && dilution >= 0.75 && skin.fitzpatrick >= 4 {
                warnings.insert(
                    "session \(k): neat \(pigment.name) on Fitzpatrick \(roman(skin.fitzpatrick)) skin can heal blue-green [S: DOMAIN.md]; a warm black or a weaker dilution is safer",
                    at: 0)
            }
            let hue = predicted.hueDegrees
            if predicted.chroma >= 3 && hue > 150 && hue < 300 {
                warnings.insert(
                    "session \(k): the predicted healed tone is blue-grey (hue \(Int(hue.rounded())) deg, chroma \(oneDecimal(predicted.chroma))); expect a cool cast",
                    at: 0)
            }
        }
        if score(choices) > 10 {
            warnings.append(
                "no pigment in the catalogue comes within dE 10 of this hair colour; the closest is listed")
        }
        return Recommendation(hair: hair, skin: skin, depthMM: depth, sessions: choices, warnings: warnings)
    }

    private static func score(_ choices: [SessionChoice]) -> Double { choices.last?.deltaE ?? 0 }

    static func text(_ c: LabColour) -> String { "L*a*b* (\(oneDecimal(c.l)), \(oneDecimal(c.a)), \(oneDecimal(c.b)))" }

    static func oneDecimal(_ v: Double) -> String { DotsDocument.fixed(v, 1) }

    static func roman(_ n: Int) -> String { ["I", "II", "III", "IV", "V", "VI"][max(1, min(6, n)) - 1] }
}
