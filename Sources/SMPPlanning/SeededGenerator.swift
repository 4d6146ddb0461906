/// xoshiro256** seeded through SplitMix64: the only randomness in planning, so that one seed gives the same
/// dots bit for bit on every run and machine (SystemRandomNumberGenerator would not).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    public init(seed: UInt64) {
        var sm = seed
        func splitMix() -> UInt64 {
            sm &+= 0x9E37_79B9_7F4A_7C15
            var z = sm
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix()
        s1 = splitMix()
        s2 = splitMix()
        s3 = splitMix()
    }

    /// A generator for a named sub-stream, so that adding a region does not shift another region's dots.
    public init(seed: UInt64, stream: UInt64) {
        self.init(seed: seed ^ (stream &* 0xD6E8_FEB8_6659_FD93))
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func unit() -> Double {
        Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    @inline(__always)
    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

/// Sine built from + and * only. libm's sin may differ in the last bit between platforms, and planned dot
/// positions must be identical everywhere; this is accurate to about 1e-9, plenty for hairline waves in mm.
public enum PortableMath {
    public static func sin(_ x: Double) -> Double {
        let twoPi = 6.283_185_307_179_586
        var r = x - twoPi * (x / twoPi).rounded(.down)  // [0, 2pi)
        var sign = 1.0
        if r > Double.pi {
            r -= Double.pi
            sign = -1
        }
        if r > Double.pi / 2 { r = Double.pi - r }  // [0, pi/2]
        let r2 = r * r
        // Taylor series to r^15: error < 1e-10 on [0, pi/2].
        var term = r
        var sum = r
        var k = 1.0
        for _ in 0..<7 {
            term *= -r2 / ((k + 1) * (k + 2))
            sum += term
            k += 2
        }
        return sign * sum
    }
}
