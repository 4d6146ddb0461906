/// When the Z axis dips for one dot, phase-locked to the cam so that exactly the commanded number of stroke
/// bottoms happen with the needle at full hang.
///
/// Z comes down from the travel height so that it arrives at the hang just before a stroke bottom, holds for
/// `strokes` bottoms, and starts back up just after the last one. The Z ramps take tens of milliseconds under
/// smp-driver-r1's Z limits, so stroke bottoms during the ramps touch the skin at partial depth; the board counts
/// only the full-depth ones (the truth file records all of them; Docs/Simulator.md discusses it).
public struct DipPlan: Sendable, Equatable {
    /// When Z starts down (s).
    public var descentStart: Double
    /// When Z reaches the hang (s).
    public var atHang: Double
    /// Bottoms of the counted strokes (s), in order.
    public var countedBottoms: [Double]
    /// When Z starts back up (s).
    public var ascentStart: Double
    /// When Z is back at the travel height (s).
    public var end: Double

    /// Margin between Z arriving at the hang and the first counted bottom, and between the last one and the ascent.
    public static let margin = 50e-6

    /// Plans a dip starting no earlier than `earliest` from travel height `travel` to `hang`, for `strokes` stroke
    /// bottoms of `motor` as it is driven now. Nil when the motor will not turn that far (stopped or stalled).
    public static func plan(
        earliest: Double, travel: Double, hang: Double, strokes: Int, motor: RotaryMotor, zMaxSpeed: Double,
        zMaxAcceleration: Double
    ) -> DipPlan? {
        guard strokes > 0 else { return nil }
        let down = AxisTrajectory.restToRestDuration(distance: hang - travel, speed: zMaxSpeed, accel: zMaxAcceleration)
        // The first stroke bottom we can have Z at hang for.
        let phaseAtReach = motor.phase(at: earliest + down + margin)
        var index = (phaseAtReach - 0.5).rounded(.up)
        guard var firstBottom = motor.time(ofPhase: index + 0.5, notBefore: earliest) else { return nil }
        if firstBottom < earliest + down + margin {
            index += 1
            guard let next = motor.time(ofPhase: index + 0.5, notBefore: earliest) else { return nil }
            firstBottom = next
        }
        var bottoms = [firstBottom]
        for offset in 1..<strokes {
            guard let bottom = motor.time(ofPhase: index + Double(offset) + 0.5, notBefore: firstBottom) else {
                return nil
            }
            bottoms.append(bottom)
        }
        let atHang = firstBottom - margin
        let ascent = (bottoms.last ?? firstBottom) + margin
        return DipPlan(
            descentStart: atHang - down, atHang: atHang, countedBottoms: bottoms, ascentStart: ascent,
            end: ascent + down)
    }
}
