import Foundation
import SMPHardware

/// What one needle stroke does to the skin: tenting, puncture, deposit.
///
/// Three phases [S: Jiang 2014]: while the tip pushes the surface down by u the skin tents and the load rises as
/// F = k·u; at F = Fp it punctures and the load drops to the force of the tent that remains, r·Fp; from there the
/// needle slides in. The pigment ends up at the deepest intrusion minus the remaining tent:
/// deposit = u_max − r·Fp/k. Because r·Fp/k > 0 and u_max ≤ local hang − membrane loss, the deposit is always
/// strictly below the hang, and it grows with the hang once the stroke punctures.
public struct SkinMechanics: Sendable, Equatable {
    /// Number of needles in the group.
    public let needleCount: Int
    /// Diameter of one needle (mm).
    public let needleDiameterMM: Double
    /// A stroke into a hole an earlier stroke of the same dot already opened needs this fraction of the puncture
    /// force [E]: the epidermis is already broken there.
    public static let repeatPunctureFactor = 0.5

    public init(handpiece: HandpieceDefinition) {
        needleCount = handpiece.needle.count
        needleDiameterMM = handpiece.needle.diameterMM
    }

    /// The needle group of a cartridge.
    public init(needleCount: Int, needleDiameterMM: Double) {
        self.needleCount = needleCount
        self.needleDiameterMM = needleDiameterMM
    }

    /// Puncture force of this needle group in `tissue` [E: single-needle force × (d/0.25 mm) × n^0.7].
    public func punctureForce(_ tissue: LocalTissue, reopening: Bool) -> Double {
        let group = tissue.singleNeedlePunctureN * (needleDiameterMM / 0.25) * pow(Double(needleCount), 0.7)
        return reopening ? group * Self.repeatPunctureFactor : group
    }

    /// The outcome of one stroke that intrudes `intrusion` mm past the undisturbed skin surface at its deepest.
    public func stroke(intrusion: Double, tissue: LocalTissue, reopening: Bool) -> StrokeOutcome {
        guard intrusion > 0 else {
            return StrokeOutcome(peakLoadN: 0, settledLoadN: 0, punctured: false, depositDepthMM: 0)
        }
        let k = tissue.tentStiffnessNPerMM
        let puncture = punctureForce(tissue, reopening: reopening)
        let tentAtPuncture = puncture / k
        if intrusion < tentAtPuncture {
            // All tent, nothing buried: the load peaks at the bottom of the stroke.
            let load = k * intrusion
            return StrokeOutcome(peakLoadN: load, settledLoadN: load, punctured: false, depositDepthMM: 0)
        }
        let residual = tissue.residualTentFraction * puncture
        return StrokeOutcome(
            peakLoadN: puncture, settledLoadN: residual, punctured: true,
            depositDepthMM: intrusion - residual / k)
    }

    /// Load (N) on the needle while it is `intrusion` mm past the surface on its way down in a stroke that
    /// reaches `maxIntrusion`: the force-displacement curve the motor-current sensor follows.
    public func load(atIntrusion intrusion: Double, tissue: LocalTissue, reopening: Bool) -> Double {
        guard intrusion > 0 else { return 0 }
        let k = tissue.tentStiffnessNPerMM
        let puncture = punctureForce(tissue, reopening: reopening)
        if k * intrusion < puncture { return k * intrusion }
        return tissue.residualTentFraction * puncture
    }
}

/// The result of one stroke in the skin.
public struct StrokeOutcome: Sendable, Equatable {
    /// Highest load during the stroke (the puncture force when it punctured).
    public var peakLoadN: Double
    /// Load at the bottom of the stroke (after the drop when it punctured).
    public var settledLoadN: Double
    public var punctured: Bool
    /// Deposit depth below the undisturbed surface; 0 when the stroke did not puncture.
    public var depositDepthMM: Double
}
