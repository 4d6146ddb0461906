/// A needle cartridge type. Round liners (RL) of 1, 3 or 5 needles; diameters 0.18-0.30 mm [S: DOMAIN.md,
/// "0603 (0.20) and 0803 (0.25) most used"].
public struct Needle: Sendable, Hashable {
    public let name: String
    /// Needles in the grouping.
    public let count: Int
    /// Diameter of one needle, mm.
    public let diameterMM: Double
    /// Position in the visiting order: finest first, so that the hairline is done while the skin is calm.
    public let orderRank: Int

    /// Single needle, 0.20 mm (0603): hairline and scars [S: 1RL at the hairline].
    public static let rl1 = Needle(name: "1RL", count: 1, diameterMM: 0.20, orderRank: 0)
    /// Three-needle round liner, 0.25 mm (0803): density work [S: 3RL for density].
    public static let rl3 = Needle(name: "3RL", count: 3, diameterMM: 0.25, orderRank: 1)
    /// Five-needle round liner, 0.30 mm: larger dots for darker skin [E].
    public static let rl5 = Needle(name: "5RL", count: 5, diameterMM: 0.30, orderRank: 2)

    public static let catalogue: [Needle] = [rl1, rl3, rl5]

    public static func named(_ name: String) -> Needle? { catalogue.first { $0.name == name } }
}
