import Foundation

/// xoshiro256** seeded through SplitMix64: the simulator's only source of randomness.
///
/// The system generator is never used, and neither is `Double.random(in:using:)`, whose algorithm the standard
/// library does not promise to keep: every draw goes through the methods here, so a seed replays bit for bit.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A generator whose whole sequence is fixed by `seed`.
    public init(seed: UInt64) {
        var mixer = SplitMix64(state: seed)
        s0 = mixer.next()
        s1 = mixer.next()
        s2 = mixer.next()
        s3 = mixer.next()
    }

    /// An independent stream for one purpose (`"patient"`, `"link.host-to-board"`, ...) of a run's seed, so that
    /// adding draws to one purpose never shifts the numbers another purpose sees.
    public init(seed: UInt64, stream label: String) {
        // FNV-1a of the label, mixed with the seed: stable across runs, platforms and toolchains.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in label.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        var mixer = SplitMix64(state: seed ^ hash)
        self.init(seed: mixer.next())
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform in [lower, upper).
    public mutating func nextUniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * nextUnit()
    }

    /// Standard normal by Box-Muller (one value per call; the second is dropped to keep the state simple).
    public mutating func nextGaussian() -> Double {
        // 1 - u is in (0, 1], so the logarithm is finite.
        let u1 = 1 - nextUnit()
        let u2 = nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Log-normal factor with median 1 and the given spread (sigma of the logarithm): a per-patient multiplier.
    public mutating func nextLogNormalFactor(sigma: Double) -> Double {
        exp(sigma * nextGaussian())
    }

    private func rotateLeft(_ value: UInt64, _ count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 - count))
    }
}

/// SplitMix64, used only to expand a seed into xoshiro state.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state = state &+ 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
