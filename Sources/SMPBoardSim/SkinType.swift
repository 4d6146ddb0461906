/// The skin types the simulator can play, with the names planning uses.
public enum SkinType: String, CaseIterable, Sendable, Codable {
    case fitzpatrick1to3 = "fitzpatrick-1-3"
    case fitzpatrick4to6 = "fitzpatrick-4-6"
    case thin
    case thickOily = "thick-oily"
    case scar

    /// Parses a skin type given on the command line; `keloid` is refused (DOMAIN.md: refuse, or test patch only,
    /// and the simulator does not model keloid scarring at all).
    public init(parsing text: String, flag: String = "--skin") throws(SimulatorInputError) {
        if let type = SkinType(rawValue: text) {
            self = type
            return
        }
        let known = SkinType.allCases.map(\.rawValue).joined(separator: ", ")
        if text == "keloid" {
            throw SimulatorInputError(
                .usage, source: flag, field: text,
                reason:
                    "refused: keloid history is treated by test patch only and is not simulated (use one of \(known))")
        }
        throw SimulatorInputError(
            .usage, source: flag, field: text, reason: "unknown skin type, expected one of \(known)")
    }

    /// Population parameters of this type (medians; each patient varies around them).
    public var profile: SkinTypeProfile {
        switch self {
        case .fitzpatrick1to3:
            return SkinTypeProfile(
                epidermisMM: 0.080, dermisMM: 1.3, tentStiffnessNPerMM: 0.50, singleNeedlePunctureN: 0.12,
                residualTentFraction: 0.55, depositTargetMM: 0.4...0.7)
        case .fitzpatrick4to6:
            return SkinTypeProfile(
                epidermisMM: 0.090, dermisMM: 1.5, tentStiffnessNPerMM: 0.50, singleNeedlePunctureN: 0.14,
                residualTentFraction: 0.55, depositTargetMM: 0.4...0.7)
        case .thin:
            return SkinTypeProfile(
                epidermisMM: 0.065, dermisMM: 1.0, tentStiffnessNPerMM: 0.22, singleNeedlePunctureN: 0.09,
                residualTentFraction: 0.55, depositTargetMM: 0.3...0.5)
        case .thickOily:
            return SkinTypeProfile(
                epidermisMM: 0.100, dermisMM: 1.8, tentStiffnessNPerMM: 0.50, singleNeedlePunctureN: 0.25,
                residualTentFraction: 0.55, depositTargetMM: 0.5...0.8)
        case .scar:
            return SkinTypeProfile(
                epidermisMM: 0.070, dermisMM: 1.2, tentStiffnessNPerMM: 0.55, singleNeedlePunctureN: 0.50,
                residualTentFraction: 0.55, depositTargetMM: 0.3...0.6)
        }
    }
}

/// Median tissue parameters of a skin type. Sources are in Docs/Simulator.md; all but the epidermis and dermis
/// ranges and the deposit targets are engineering estimates [E].
public struct SkinTypeProfile: Sendable, Equatable {
    /// Epidermis thickness [S: 60-100 um].
    public var epidermisMM: Double
    /// Dermis thickness [S: 1-2 mm].
    public var dermisMM: Double
    /// Tenting stiffness k: force per mm of tent [E: 0.2-1 N/mm].
    public var tentStiffnessNPerMM: Double
    /// Puncture force of one 0.25 mm needle [E: 0.05-0.3 N]; a group of n needles of diameter d needs
    /// F·(d/0.25)·n^0.7.
    public var singleNeedlePunctureN: Double
    /// Fraction of the puncture tent that remains while the needle is inside (the skin does not spring back
    /// fully); sets the load after the drop and how much of the intrusion is buried [E, fitted so that 1 mm of
    /// nominal insertion buries less than half, Lam 2008].
    public var residualTentFraction: Double
    /// Deposit depth the profile aims for before the regional modifier [E, DOMAIN.md table].
    public var depositTargetMM: ClosedRange<Double>
}
