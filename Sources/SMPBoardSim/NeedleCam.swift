import Foundation
import SMPHardware

/// The handpiece's cam: turns motor phase into needle travel, and hang into how far the tip reaches.
///
/// The cam is a slider-crank with crank radius r = stroke/2 and link length l = r/λ, so the stroke is
/// near-sinusoidal (λ = 0 is a pure sinusoid): extension e(θ) = r(1 − cos θ) + l − √(l² − r² sin² θ), θ = 2π·phase.
/// Phase 0 is the top of the stroke (e = 0), phase ½ the bottom (e = stroke). At the bottom the tip protrudes past
/// the cartridge tip by hang − membrane loss.
public struct NeedleCam: Sendable, Equatable {
    public let strokeLength: Double
    public let crankRodRatio: Double
    public let membraneLoss: Double

    public init(handpiece: HandpieceDefinition) {
        strokeLength = handpiece.strokeLengthMM.value
        crankRodRatio = handpiece.crankRodRatio.value
        membraneLoss = handpiece.membraneLossMM.value
    }

    /// The same cam with another cartridge's membrane loss.
    public func with(membraneLoss loss: Double) -> NeedleCam { NeedleCam(self, membraneLoss: loss) }

    private init(_ cam: NeedleCam, membraneLoss loss: Double) {
        strokeLength = cam.strokeLength
        crankRodRatio = cam.crankRodRatio
        membraneLoss = loss
    }

    /// Needle travel from the top of the stroke (0...stroke) at cam `phase` (revolutions).
    public func needleTravel(atPhase phase: Double) -> Double {
        let theta = 2 * Double.pi * (phase - phase.rounded(.down))
        let r = strokeLength / 2
        let slider = r * (1 - cos(theta))
        guard crankRodRatio > 0 else { return slider }
        let l = r / crankRodRatio
        let s = sin(theta)
        return slider + l - (l * l - r * r * s * s).squareRoot()
    }

    /// How far the tip protrudes past the cartridge tip (negative: inside) at `phase` with Z at `hang`.
    public func tipProtrusion(atPhase phase: Double, hang: Double) -> Double {
        hang - membraneLoss - (strokeLength - needleTravel(atPhase: phase))
    }

    /// Protrusion at the bottom of the stroke: the deepest the tip gets for a hang.
    public func effectiveHang(_ hang: Double) -> Double { hang - membraneLoss }

    /// Time (s) the tip spends deeper than `depthBelowBottom` short of its lowest point, at stroke `rate` (Hz):
    /// the contact time of one stroke that intrudes `depthBelowBottom` into the skin. Near the bottom the slider
    /// moves as e ≈ stroke − ½·r(1 − λ)·δ², δ the crank angle from the bottom.
    public func contactDuration(intrusion: Double, rate: Double) -> Double {
        guard intrusion > 0, rate > 0 else { return 0 }
        let r = strokeLength / 2
        let curvature = r * (1 - crankRodRatio)
        let halfAngle = min(Double.pi, (2 * intrusion / curvature).squareRoot())
        return 2 * halfAngle / (2 * Double.pi * rate)
    }
}
