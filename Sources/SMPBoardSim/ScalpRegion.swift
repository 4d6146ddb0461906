/// Where on the head a point of the 200 x 200 mm patch lies.
///
/// Head orientation on the rig (documented in Docs/Simulator.md): the patch's +Y axis points from the nape
/// (y = 0) to the forehead (y = 200), X runs across the head from the patient's right ear (x = 0) to the left
/// (x = 200), the midline is x = 100.
public enum ScalpRegion: String, Sendable, Codable, CaseIterable {
    case front
    case temples
    case crown
    case occiput

    /// The region of a patch point (mm).
    public static func at(x: Double, y: Double) -> ScalpRegion {
        let lateral = abs(x - 100)
        if y >= 110 && lateral > 55 { return .temples }
        if y >= 150 { return .front }
        if y >= 60 { return .crown }
        return .occiput
    }

    /// Regional deposit modifier [E, DOMAIN.md]: +0.1 mm at crown and occiput, −0.1 mm at the front and temples.
    public var depositModifierMM: Double {
        switch self {
        case .front, .temples: return -0.1
        case .crown, .occiput: return 0.1
        }
    }

    /// Relative whole-skin thickness along the head [S, weak: anterior 1.18, temporal 1.38, posterior 1.48 mm],
    /// normalised to their mean; blended linearly in y so that thickness has no steps at region borders.
    public static func thicknessFactor(x: Double, y: Double) -> Double {
        let mean = (1.18 + 1.38 + 1.48) / 3
        let t = min(max(y / 200, 0), 1)
        // Posterior (y = 0) to anterior (y = 200), with the temporal value at the sides of the front half.
        let midline = 1.48 + (1.18 - 1.48) * t
        let lateral = min(max((abs(x - 100) - 40) / 40, 0), 1) * min(max((y - 90) / 40, 0), 1)
        return (midline + (1.38 - midline) * lateral) / mean
    }
}
