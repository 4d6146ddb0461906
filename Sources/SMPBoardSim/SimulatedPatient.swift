import Foundation
import SMPHardware

/// The tissue at one point of the patch: everything the skin model needs, none of which crosses the wire.
public struct LocalTissue: Sendable, Equatable {
    public var region: ScalpRegion
    /// Skin surface height over the Z reference plane (mm, + towards the needle): local hang = Z + surface.
    public var surfaceHeightMM: Double
    public var epidermisMM: Double
    public var dermisMM: Double
    public var tentStiffnessNPerMM: Double
    public var singleNeedlePunctureN: Double
    public var residualTentFraction: Double
    /// Where the deposit should end up here (type target shifted by the regional modifier).
    public var depositTargetMM: ClosedRange<Double>
    /// True inside a scar patch.
    public var isScar: Bool

    public init(
        region: ScalpRegion, surfaceHeightMM: Double, epidermisMM: Double, dermisMM: Double,
        tentStiffnessNPerMM: Double, singleNeedlePunctureN: Double, residualTentFraction: Double,
        depositTargetMM: ClosedRange<Double>, isScar: Bool
    ) {
        self.region = region
        self.surfaceHeightMM = surfaceHeightMM
        self.epidermisMM = epidermisMM
        self.dermisMM = dermisMM
        self.tentStiffnessNPerMM = tentStiffnessNPerMM
        self.singleNeedlePunctureN = singleNeedlePunctureN
        self.residualTentFraction = residualTentFraction
        self.depositTargetMM = depositTargetMM
        self.isScar = isScar
    }
}

/// A simulated patient: a skin type, seeded per-patient variation, regional variation and a curved scalp.
///
/// The same seed always gives the same patient. Variation: each median parameter is multiplied by a per-patient
/// log-normal factor (σ = 0.12) and by a smooth spatial field (±6 %, a few random cosine waves 25-80 mm long), and
/// dermis thickness follows ``thicknessFactor(x:y:)``. Positions are in the ``HeadFrame`` (y from the forehead
/// hairline to the nape).
public struct SimulatedPatient: Sendable {
    /// Shape of the scalp surface under the patch.
    public enum Surface: String, Sendable, Codable {
        /// A dome over the crown, 1.0-2.5 mm high at its apex, plus gentle waves (the default).
        case curved
        /// The reference plane itself (height 0 everywhere): for tests that isolate depth from geometry.
        case flat
    }

    public let skinType: SkinType
    public let seed: UInt64
    public let surface: Surface

    private let patientFactors: (epidermis: Double, dermis: Double, stiffness: Double, puncture: Double)
    private let residualFraction: Double
    private let domeHeight: Double
    private let domeCenter: (x: Double, y: Double)
    private let waves: [Wave]
    private let surfaceWaves: [Wave]
    private let scarPatches: [ScarPatch]
    private let scarOutlines: [ScarOutline]

    private struct Wave: Sendable {
        var kx: Double
        var ky: Double
        var phase: Double
        var amplitude: Double

        func value(x: Double, y: Double) -> Double { amplitude * cos(kx * x + ky * y + phase) }
    }

    private struct ScarPatch: Sendable {
        var x: Double
        var y: Double
        var radiusX: Double
        var radiusY: Double

        func contains(x px: Double, y py: Double) -> Bool {
            let dx = (px - x) / radiusX
            let dy = (py - y) / radiusY
            return dx * dx + dy * dy <= 1
        }
    }

    /// Draws a patient of `skinType` from `seed`. A scar patient's scar tissue lies inside `scars` when it names any
    /// (the plan's scar areas); without them the patient has two or three elliptic scars drawn from the seed, which
    /// no plan marks.
    public init(skinType: SkinType, seed: UInt64, surface: Surface = .curved, scars: [ScarOutline] = []) {
        self.skinType = skinType
        self.seed = seed
        self.surface = surface
        var random = SeededGenerator(seed: seed, stream: "patient")
        patientFactors = (
            random.nextLogNormalFactor(sigma: 0.12), random.nextLogNormalFactor(sigma: 0.12),
            random.nextLogNormalFactor(sigma: 0.12), random.nextLogNormalFactor(sigma: 0.12)
        )
        residualFraction = skinType.profile.residualTentFraction + random.nextUniform(-0.05, 0.05)
        domeHeight = random.nextUniform(1.0, 2.5)
        // The dome's apex sits on the crown, a little behind the vertex.
        domeCenter = (random.nextUniform(90, 110), random.nextUniform(100, 120))
        waves = (0..<4).map { _ in Self.randomWave(&random, amplitude: 0.06 / 2) }
        surfaceWaves = (0..<3).map { _ in Self.randomWave(&random, amplitude: 0.15 / 2) }
        scarOutlines = skinType == .scar ? scars : []
        if skinType == .scar && scars.isEmpty {
            let count = 2 + Int(random.next() % 2)
            scarPatches = (0..<count).map { _ in
                ScarPatch(
                    x: random.nextUniform(30, 170), y: random.nextUniform(30, 170),
                    radiusX: random.nextUniform(8, 25), radiusY: random.nextUniform(3, 10))
            }
        } else {
            scarPatches = []
        }
    }

    private static func randomWave(_ random: inout SeededGenerator, amplitude: Double) -> Wave {
        let wavelength = random.nextUniform(25, 80)
        let angle = random.nextUniform(0, 2 * Double.pi)
        let k = 2 * Double.pi / wavelength
        return Wave(
            kx: k * cos(angle), ky: k * sin(angle), phase: random.nextUniform(0, 2 * Double.pi), amplitude: amplitude)
    }

    /// Skin surface height over the Z reference plane at a patch point (mm).
    public func surfaceHeight(x: Double, y: Double) -> Double {
        guard surface == .curved else { return 0 }
        let dx = x - domeCenter.x
        let dy = y - domeCenter.y
        var height = domeHeight * (1 - (dx * dx + dy * dy) / (130 * 130))
        for wave in surfaceWaves { height += wave.value(x: x, y: y) }
        return height
    }

    /// Relative whole-skin thickness along the head [S, weak: anterior 1.18, temporal 1.38, posterior 1.48 mm],
    /// normalised to their mean; blended linearly in y so that thickness has no steps at region borders.
    public static func thicknessFactor(x: Double, y: Double) -> Double {
        let mean = (1.18 + 1.38 + 1.48) / 3
        let back = min(max(y / HeadFrame.extentMM, 0), 1)
        // Anterior at the hairline (y = 0) to posterior at the nape (y = 200), with the temporal value at the
        // sides of the front half.
        let midline = 1.18 + (1.48 - 1.18) * back
        let lateral =
            min(max((abs(x - HeadFrame.midlineX) - 40) / 40, 0), 1)
            * min(max((HeadFrame.templeDepthMM + 20 - y) / 40, 0), 1)
        return (midline + (1.38 - midline) * lateral) / mean
    }

    /// The tissue under a patch point.
    public func tissue(x: Double, y: Double) -> LocalTissue {
        let region = ScalpRegion.at(x: x, y: y)
        let isScar =
            scarPatches.contains { $0.contains(x: x, y: y) } || scarOutlines.contains { $0.contains(x: x, y: y) }
        // Scar patients have scar tissue only inside their scar patches; around them, Fitzpatrick I-III skin.
        let base = (skinType == .scar && !isScar) ? SkinType.fitzpatrick1to3.profile : skinType.profile
        var field = 1.0
        for wave in waves { field += wave.value(x: x, y: y) }
        let thickness = Self.thicknessFactor(x: x, y: y)
        let modifier = region.depositModifierMM
        let target = (base.depositTargetMM.lowerBound + modifier)...(base.depositTargetMM.upperBound + modifier)
        return LocalTissue(
            region: region,
            surfaceHeightMM: surfaceHeight(x: x, y: y),
            epidermisMM: base.epidermisMM * patientFactors.epidermis * field,
            dermisMM: base.dermisMM * patientFactors.dermis * thickness * field,
            // Thicker skin tents less: stiffness grows with the regional thickness factor.
            tentStiffnessNPerMM: base.tentStiffnessNPerMM * patientFactors.stiffness * thickness / field,
            singleNeedlePunctureN: base.singleNeedlePunctureN * patientFactors.puncture * field,
            residualTentFraction: residualFraction,
            depositTargetMM: target,
            isScar: isScar)
    }
}
