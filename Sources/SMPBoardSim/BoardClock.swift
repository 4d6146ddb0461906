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
    /// 2π / period and cos(phase), the constants of ``gain(at:)``, computed once: the bench converts times with it
    /// on every event.
    private let angularRate: Double
    private let cosineOfPhase: Double

    /// Board time equals true time: no error, no wander, epoch 0.
    public static let exact = BoardClock(epoch: 0, offsetPPM: 0, wanderPPM: 0, wanderPeriodMicros: 1, wanderPhase: 0)

    public init(epoch: UInt64, offsetPPM: Double, wanderPPM: Double, wanderPeriodMicros: Double, wanderPhase: Double) {
        self.epoch = epoch
        self.offsetPPM = offsetPPM
        self.wanderPPM = wanderPPM
        self.wanderPeriodMicros = wanderPeriodMicros
        self.wanderPhase = wanderPhase
        angularRate = 2 * Double.pi / wanderPeriodMicros
        cosineOfPhase = cos(wanderPhase)
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

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            epoch: try container.decode(UInt64.self, forKey: .epoch),
            offsetPPM: try container.decode(Double.self, forKey: .offsetPPM),
            wanderPPM: try container.decode(Double.self, forKey: .wanderPPM),
            wanderPeriodMicros: try container.decode(Double.self, forKey: .wanderPeriodMicros),
            wanderPhase: try container.decode(Double.self, forKey: .wanderPhase))
    }

    /// The crystal's error at true time `t` (ppm).
    public func errorPPM(at t: UInt64) -> Double {
        offsetPPM + wanderPPM * sin(2 * Double.pi * Double(t) / wanderPeriodMicros + wanderPhase)
    }

    /// Microseconds the board clock has gained on true time by true time `t` (negative: lost).
    func gain(at t: Double) -> Double {
        let wander = wanderPPM / angularRate * (cosineOfPhase - cos(angularRate * t + wanderPhase))
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
        return firstTrueTime(atBoardTime: board, from: UInt64(max(0, t.rounded(.down))))
    }

    /// ``trueTime(atBoardTime:)`` from a conversion already made, `anchor` (a board time and its true time): a
    /// step at the anchor's rate replaces Newton's method. The result is the same, bit for bit: the first true
    /// microsecond at which the board reads `board` is unique, and both only choose where the search for it starts.
    /// Cheaper when `board` is within seconds of the anchor's, the case of a bench converting deadlines one after
    /// another.
    public func trueTime(atBoardTime board: UInt64, near anchor: (board: UInt64, trueTime: UInt64)) -> UInt64 {
        // Ten seconds from the anchor the rate has changed by under 2e-7 (the wander), so the step lands within a
        // microsecond; further away, or near the ends of the clock, Newton's method.
        let distance = board >= anchor.board ? board - anchor.board : anchor.board - board
        guard board > epoch, board - epoch < 1 << 52, anchor.board > epoch, anchor.board - epoch < 1 << 52,
            distance < 10_000_000
        else { return trueTime(atBoardTime: board) }
        let rate = 1 + errorPPM(at: anchor.trueTime) * 1e-6
        let step = (Double(board) - Double(anchor.board)) / rate
        let guess = (Double(anchor.trueTime) + step).rounded(.down)
        return firstTrueTime(atBoardTime: board, from: UInt64(max(0, guess)))
    }

    /// The first true time at which the board reads `board` or later, searched from `candidate` (board time is
    /// strictly increasing in true time: its rate is within 1e-4 of 1).
    private func firstTrueTime(atBoardTime board: UInt64, from start: UInt64) -> UInt64 {
        var candidate = start
        while boardTime(atTrueTime: candidate) < board { candidate += 1 }
        while candidate > 0 && boardTime(atTrueTime: candidate - 1) >= board { candidate -= 1 }
        return candidate
    }
}
