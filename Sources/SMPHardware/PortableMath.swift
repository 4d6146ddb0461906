/// Sine built from + and * only. libm's sin may differ in the last bit between platforms, and planned dot
/// positions must be identical everywhere; this is accurate to about 1e-9, plenty for hairline waves in mm.
public enum PortableMath {
    @inlinable
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
