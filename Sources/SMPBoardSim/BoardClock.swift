import Foundation
import SMPHardware

/// The board's crystal: how board time follows true time.
///
/// A real board counts microseconds of a crystal that is off by up to ±100 ppm and wanders slowly with temperature,
/// from whatever its counter read at power-up. The simulator gives every board such a crystal, seeded: a fixed error
/// (uniform within ±(bound − wander)), a slow sinusoidal wander (amplitude up to 5 % of the bound, period 40-120 min,
/// so the rate changes by less than 1 ppm a minute) and an epoch (board time at power-up, uniform in 0 ..< 2^32 µs).
/// So a host must estimate the board clock from what the board reports (hello and status board times); host time and
/// board time never agree by construction.
///
/// True time is microseconds since the board powered up, the time the link and the host live in. Board time is
/// `epoch + t + ∫ error`, floored to the microsecond: strictly increasing in real t, so ``trueTime(atBoardTime:)``
/// inverts it exactly (the first true microsecond at which the board reads a given time).
public struct BoardClock: Sendable, Equatable, Codable {
    /// Board time at true time 0 (power-up), µs.
    public let epoch: UInt64
    /// The crystal's fixed error (ppm; positive: the board clock runs fast).
    public let offsetPPM: Double
    /// Amplitude (ppm) and period (µs) of the slow wander around the fixed error.
    public let wanderPPM: Double
    public let wanderPeriodMicros: Double
    public let wanderPhase: Double

    /// Board time equals true time: no error, no wander, epoch 0.
    public static let exact = BoardClock(epoch: 0, offsetPPM: 0, wanderPPM: 0, wanderPeriodMicros: 1, wanderPhase: 0)

    public init(epoch: UInt64, offsetPPM: Double, wanderPPM: Double, wanderPeriodMicros: Double, wanderPhase: Double) {
        self.epoch = epoch
        self.offsetPPM = offsetPPM
        self.wanderPPM = wanderPPM
        self.wanderPeriodMicros = wanderPeriodMicros
        self.wanderPhase = wanderPhase
    }

    /// A crystal whose error stays within ±`errorBoundPPM`, drawn from `seed` on the `board-clock` stream. `epoch` nil
    /// draws one; a bound of 0 gives an exact rate.
    public init(errorBoundPPM: Double, epoch: UInt64?, seed: UInt64) {
        var random = SeededGenerator(seed: seed, stream: "board-clock")
        let bound = max(0, errorBoundPPM)
        let wander = bound * 0.05 * random.nextUnit()
        let period = random.nextUniform(40, 120) * 60_000_000
        self.init(
            epoch: epoch ?? (random.next() >> 32), offsetPPM: random.nextUniform(-(bound - wander), bound - wander),
            wanderPPM: wander, wanderPeriodMicros: period, wanderPhase: random.nextUniform(0, 2 * Double.pi))
    }

    enum CodingKeys: String, CodingKey {
        case epoch = "epoch_micros"
        case offsetPPM = "offset_ppm"
        case wanderPPM = "wander_ppm"
        case wanderPeriodMicros = "wander_period_micros"
        case wanderPhase = "wander_phase"
    }

    /// The crystal's error at true time `t` (ppm).
    public func errorPPM(at t: UInt64) -> Double {
        offsetPPM + wanderPPM * sin(2 * Double.pi * Double(t) / wanderPeriodMicros + wanderPhase)
    }

    /// Microseconds the board clock has gained on true time by true time `t` (negative: lost).
    func gain(at t: Double) -> Double {
        let angularRate = 2 * Double.pi / wanderPeriodMicros
        let wander = wanderPPM / angularRate * (cos(wanderPhase) - cos(angularRate * t + wanderPhase))
        return (offsetPPM * t + wander) * 1e-6
    }

    /// What the board's counter reads at true time `t` (µs since power-up).
    public func boardTime(atTrueTime t: UInt64) -> UInt64 {
        let elapsed = Double(t) + gain(at: Double(t))
        guard elapsed < 0x1p62 else { return .max }
        return epoch + UInt64(max(0, elapsed).rounded(.down))
    }

    /// The first true time at which the board reads `board` or later (0 for a board time before power-up's).
    public func trueTime(atBoardTime board: UInt64) -> UInt64 {
        guard board > epoch else { return 0 }
        // Beyond a century: "never" (a saturated deadline).
        guard board - epoch < 1 << 52 else { return .max }
        let target = Double(board - epoch)
        // Newton on t + gain(t) = target; the rate is within 1e-4 of 1, so two steps land within a microsecond.
        var t = target
        for _ in 0..<3 {
            let rate = 1 + errorPPM(at: UInt64(max(0, t))) * 1e-6
            t -= (t + gain(at: t) - target) / rate
        }
        var candidate = UInt64(max(0, t.rounded(.down)))
        while boardTime(atTrueTime: candidate) < board { candidate += 1 }
        while candidate > 0 && boardTime(atTrueTime: candidate - 1) >= board { candidate -= 1 }
        return candidate
    }
}
