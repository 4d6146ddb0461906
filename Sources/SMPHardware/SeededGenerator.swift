import Foundation

/// xoshiro256** seeded through SplitMix64: the only source of randomness in planning, the simulator and the test
/// tooling, so that one seed gives the same numbers bit for bit on every run, machine and toolchain.
///
/// The system generator is never used, and neither is `Double.random(in:using:)`, whose algorithm the standard
/// library does not promise to keep: draw through the methods here.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64

    /// A generator whose whole sequence is fixed by `seed`: four SplitMix64 outputs of `seed` are the state.
    public init(seed: UInt64) {
        var mixer = SplitMix64(state: seed)
        s0 = mixer.next()
        s1 = mixer.next()
        s2 = mixer.next()
        s3 = mixer.next()
    }

    /// A numbered sub-stream of a seed (planning: one per region and strip), so that adding one stream's draws
    /// does not shift another's.
    public init(seed: UInt64, stream: UInt64) {
        self.init(seed: seed ^ (stream &* 0xD6E8_FEB8_6659_FD93))
    }

    /// A named sub-stream of a seed (`"patient"`, `"link.host-to-board"`, ...): the FNV-1a hash of the label, mixed
    /// with the seed through one SplitMix64 step.
    public init(seed: UInt64, stream label: String) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in label.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        var mixer = SplitMix64(state: seed ^ hash)
        self.init(seed: mixer.next())
    }

    /// The next 64 random bits (inlinable: planning draws from it in its innermost loops, across the module).
    @inlinable
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
    @inlinable
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform in [lower, upper).
    public mutating func nextUniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * nextUnit()
    }

    /// True with probability `probability` (never for 0 or less).
    public mutating func chance(_ probability: Double) -> Bool {
        probability > 0 && nextUnit() < probability
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

    @inlinable
    func rotateLeft(_ value: UInt64, _ count: UInt64) -> UInt64 {
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
