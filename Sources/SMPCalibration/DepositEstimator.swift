import SMPHardware
import SMPPlanning
import SMPWire

/// The deposit depth of a needled dot, estimated from what the board reported of its strokes through a client's
/// calibrated profile: the same three-phase model the calibration fitted (``Calibrator``). A stroke punctured when its
/// bottom load fell below ``Calibrator/punctureDropFraction`` of its peak; its pigment sits at the local Z of its
/// bottom less the membrane loss and the residual tent (bottom load over the region's tent stiffness). The dot's
/// deposit is the deepest of its counted strokes'; a dot none of whose strokes punctured deposited nothing (0).
///
/// It is an estimate, only as good as the profile: a board reports loads and Z, never where the pigment went.
public struct DepositEstimator: Sendable {
    public let profile: ClientProfile

    public init(profile: ClientProfile) { self.profile = profile }

    /// The estimate for a dot at plan position (`x`, `y`) mm from its stroke samples; nil when the board sent no
    /// counted stroke or the profile did not calibrate the dot's scalp region.
    public func depositDepthMM(of strokes: [StrokeSample], x: Double, y: Double) -> Double? {
        let counted = strokes.filter(\.counted)
        guard !counted.isEmpty,
            let region = profile.regions[ScalpRegion.at(x: x, y: y).rawValue],
            region.tentStiffnessNPerMM > 0
        else { return nil }
        var deepest = 0.0
        for stroke in counted
        where Double(stroke.bottomLoadMillinewtons) < Calibrator.punctureDropFraction
            * Double(stroke.peakLoadMillinewtons)
        {
            let residualTent = Double(stroke.bottomLoadMillinewtons) / 1000 / region.tentStiffnessNPerMM
            deepest = max(deepest, Double(stroke.zMicrometres) / 1000 - profile.membraneLossMM - residualTent)
        }
        return deepest
    }
}
