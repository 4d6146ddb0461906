import Foundation

extension RigPhysics {
    /// How far the needle tip is past the true, undisturbed skin surface at `time` (mm; <= 0: out of the skin), under
    /// the present plans of the axes and the motor.
    public func tipDepthPastSkin(at time: Double) -> Double {
        let surface = patient.surfaceHeight(x: x.position(at: time), y: y.position(at: time))
        return cam.tipProtrusion(atPhase: motor.phase(at: time), hang: z.position(at: time) + surface + needleOffsetMM)
    }

    /// How far the bottom of the stroke reaches past the true skin surface at `time` (mm): the deepest the tip can
    /// be whatever the cam's phase. While it is <= 0 no stroke can touch the skin.
    public func strokeBottomDepthPastSkin(at time: Double) -> Double {
        let surface = patient.surfaceHeight(x: x.position(at: time), y: y.position(at: time))
        return cam.effectiveHang(z.position(at: time) + surface + needleOffsetMM)
    }

    /// The earliest time (s) at or after `start` from which the tip stays out of the skin for good under the present
    /// plans (Z, X/Y and the motor as last commanded); nil when it never does (the motor still drives strokes that
    /// reach the skin once everything else is at rest).
    ///
    /// Exact to 1 µs: the scan steps by the least time in which the tip could cross the surface, from its distance to
    /// it and a bound on how fast it moves (the slider-crank's fastest tip speed, π · stroke · rate · (1 + λ), at the
    /// highest rate the motor can still reach, plus the Z speed limit, plus the X/Y speed limits for a skin slope up
    /// to 1), so no contact in between is skipped, however brief.
    public func needleClearTime(from start: Double) -> Double? {
        let settle = max(start, x.endTime, y.endTime, z.endTime)
        let rateBound = max(motor.rate(at: start), motor.target)
        let axesSpeed = z.maxSpeed + x.maxSpeed + y.maxSpeed
        let tipSpeed = Double.pi * rateBound * cam.strokeLength * (1 + cam.crankRodRatio) + axesSpeed
        let minimumStep = 1e-6
        var time = start
        var inSkin = false
        var exit: Double?
        while true {
            let bottom = strokeBottomDepthPastSkin(at: time)
            if time >= settle && bottom <= 0 { break }
            // Everything else at rest with a stroke bottom that reaches the skin: a driven motor strikes it again and
            // again; a coasting one creeps on for ever. Either way the needle is not clear.
            if time >= settle && (motor.target > 0 || time > settle + 1) { return nil }
            let depth = bottom <= 0 ? bottom : tipDepthPastSkin(at: time)
            if depth > 0 {
                inSkin = true
            } else if inSkin {
                inSkin = false
                exit = time
            }
            var step = max(minimumStep, abs(depth) / tipSpeed)
            if bottom <= 0 { step = max(step, -bottom / axesSpeed) }
            time = time < settle ? min(time + step, settle) : time + step
        }
        if inSkin { exit = time }
        return exit ?? start
    }
}
