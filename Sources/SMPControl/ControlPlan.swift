import SMPHardware
import SMPJournal
import SMPMotion
import SMPPlanning
import SMPWire

/// One dot as the controller needs it: the motion model's dot plus the hang band its region's profile allows, so
/// that the host can refuse a dot before anything is sent.
public struct ControlDot: Sendable, Equatable {
    public var motion: MotionDot
    /// The local hangs the dot's profile allows (mm); a dot outside it is refused by the host's checks.
    public var hangBandMM: ClosedRange<Double>
    /// The plan region the dot belongs to (for the summary).
    public var regionName: String
    /// The catalogue name of the cartridge that needles it (`Hardware/cartridges.json`, e.g. `1RL 0.20`); nil
    /// when the dot takes whatever cartridge is fitted (tests, calibration ladders). A change between dots is an
    /// operator step; so is a change of ``MotionDot/cartridge`` alone (the pigment loaded).
    public var cartridgeName: String?

    public init(
        motion: MotionDot, hangBandMM: ClosedRange<Double>, regionName: String, cartridgeName: String? = nil
    ) {
        self.motion = motion
        self.hangBandMM = hangBandMM
        self.regionName = regionName
        self.cartridgeName = cartridgeName
    }

    /// The dots of a planned session in visiting order, each with its region's band: the profile's typical hangs, or
    /// exactly the region's `depth_mm` where the plan sets one.
    public static func dots(of result: PlanResult) -> [ControlDot] {
        let regions = result.plan.regions
        return zip(MotionDot.dots(of: result), result.sessionDots).map { motion, planned in
            let region = regions[planned.regionIndex]
            let band = region.depthOverrideMM.map { $0...$0 } ?? region.profile.typicalHangMM
            return ControlDot(
                motion: motion, hangBandMM: band, regionName: region.name,
                cartridgeName: CartridgeDefinition.name(group: region.needle.name, diameterMM: region.needle.diameterMM)
            )
        }
    }
}

extension [ControlDot] {
    /// These dots with a calibrated hang per scalp region (a client profile's): every dot gets its region's hang,
    /// which is then also its whole band. Throws, naming `planFile`, for a dot in a region the profile did not
    /// calibrate.
    public func applying(hangByRegion hangs: [ScalpRegion: Double], planFile: String) throws(HostCheckError)
        -> [ControlDot]
    {
        var result = self
        for index in result.indices {
            let motion = result[index].motion
            let region = ScalpRegion.at(x: motion.xMM, y: motion.yMM)
            guard let hang = hangs[region] else {
                throw HostCheckError(
                    dotID: motion.id, field: "region", found: region.rawValue,
                    expected: "a region the profile calibrated (\(planFile))")
            }
            result[index].motion.localHangMM = hang
            result[index].hangBandMM = hang...hang
        }
        return result
    }

    /// These dots all needled with one cartridge (a client profile's, which its hangs were calibrated with):
    /// `name` is its catalogue name, `group` its needle grouping (`1RL`). The run fits it as an operator step.
    public func applying(cartridge name: String, group: String) -> [ControlDot] {
        var result = self
        for index in result.indices {
            result[index].cartridgeName = name
            result[index].motion.cartridge = group
        }
        return result
    }

    /// The run's plan hash: the dots as they will be needled (id, place, hang, strokes, rate, cartridge), so that a
    /// journal is refused for dots that differ, also when the plan file is the same and the planner changed.
    public var planHash: PlanHash {
        var text = "smpctl-run-dots/1\n"
        for dot in self {
            let motion = dot.motion
            text +=
                "\(motion.id) \(motion.xMM) \(motion.yMM) \(motion.localHangMM) \(motion.strokes) "
                + "\(motion.rateHz) \(motion.cartridge)\n"
        }
        return PlanHash.of(dotsFileContent: [UInt8](text.utf8))
    }
}

/// A command the host refuses to send, found by its own checks before any byte went to the board.
public struct HostCheckError: Error, Equatable, CustomStringConvertible {
    /// The plan's dot id.
    public var dotID: Int
    /// The field that is out of range (`hang_mm`, `x_mm`, ...).
    public var field: String
    public var found: String
    public var expected: String

    public init(dotID: Int, field: String, found: String, expected: String) {
        self.dotID = dotID
        self.field = field
        self.found = found
        self.expected = expected
    }

    public var description: String { "dot \(dotID): \(field) is \(found); expected \(expected)" }
}

/// The host's own checks of every dot against the board's limits and the dot's profile, before it sends anything:
/// the board would refuse these too, but a refusal mid-session costs a safe state and chair time.
public enum HostChecks {
    /// The first dot that the board would refuse or the profile does not allow, as a one-line error; nil when every
    /// dot may be sent. `limits` are the board's announced limits (hello), in the board's own units.
    public static func firstProblem(in dots: [ControlDot], limits: BoardLimits) -> HostCheckError? {
        let ceiling = Double(limits.hangCeilingMicrometres) / 1000
        let travelX = Double(limits.travelXMicrometres) / 1000
        let travelY = Double(limits.travelYMicrometres) / 1000
        let rates = Double(limits.motorMinCentihertz) / 100...Double(limits.motorMaxCentihertz) / 100
        func text(_ value: Double) -> String { value.formatted(decimals: 3) }
        for dot in dots {
            let motion = dot.motion
            guard motion.localHangMM > 0 && motion.localHangMM <= ceiling else {
                return HostCheckError(
                    dotID: motion.id, field: "hang_mm", found: text(motion.localHangMM),
                    expected: "more than 0 and at most the board's hang ceiling \(text(ceiling)) mm")
            }
            let band = dot.hangBandMM
            guard
                band.contains(motion.localHangMM) || abs(motion.localHangMM - band.lowerBound) < 1e-9
                    || abs(motion.localHangMM - band.upperBound) < 1e-9
            else {
                return HostCheckError(
                    dotID: motion.id, field: "hang_mm", found: text(motion.localHangMM),
                    expected:
                        "\(text(band.lowerBound))-\(text(band.upperBound)) mm, the band of region \(dot.regionName)")
            }
            guard motion.xMM.isFinite && motion.xMM >= 0 && motion.xMM <= travelX else {
                return HostCheckError(
                    dotID: motion.id, field: "x_mm", found: text(motion.xMM),
                    expected: "0-\(text(travelX)) mm (the board's X travel)")
            }
            guard motion.yMM.isFinite && motion.yMM >= 0 && motion.yMM <= travelY else {
                return HostCheckError(
                    dotID: motion.id, field: "y_mm", found: text(motion.yMM),
                    expected: "0-\(text(travelY)) mm (the board's Y travel)")
            }
            guard rates.contains(motion.rateHz) else {
                return HostCheckError(
                    dotID: motion.id, field: "stroke_rate_hz", found: text(motion.rateHz),
                    expected: "\(text(rates.lowerBound))-\(text(rates.upperBound)) Hz (the board's motor range)")
            }
            guard motion.strokes >= 1 && motion.strokes <= Int(limits.maxStrokesPerDot) else {
                return HostCheckError(
                    dotID: motion.id, field: "strokes", found: String(motion.strokes),
                    expected: "1-\(limits.maxStrokesPerDot) (the board's maximum per dot)")
            }
        }
        return nil
    }
}

extension Double {
    /// Fixed-point text without Foundation's locale: `decimals` digits after the point.
    func formatted(decimals: Int) -> String {
        guard isFinite else { return "\(self)" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(self) * scale).rounded()
        let whole = Int(scaled / scale)
        let fraction = Int(scaled - Double(whole) * scale)
        let sign = self < 0 && scaled > 0 ? "-" : ""
        guard decimals > 0 else { return "\(sign)\(whole)" }
        var digits = String(fraction)
        while digits.count < decimals { digits = "0" + digits }
        return "\(sign)\(whole).\(digits)"
    }
}
