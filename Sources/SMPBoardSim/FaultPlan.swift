import Foundation
import SMPWire

/// Faults to inject into a simulated run, all deterministic by the run's seed.
///
/// Parsed from a text spec such as `corrupt=1e-4,drop=1e-3,disconnect=30s+2s,reset=120s`: comma-separated
/// `key=value` items. Link faults apply to both directions independently; board faults happen at board times.
///
/// | key | value | meaning |
/// | --- | --- | --- |
/// | `corrupt` | probability 0...1 | each byte on the link has one random bit flipped |
/// | `drop` | probability 0...1 | each frame on the link (bytes up to a delimiter) is lost whole |
/// | `dup` | probability 0...1 | each frame is delivered twice |
/// | `delay` | duration | one-way latency added to every write |
/// | `jitter` | duration | extra latency, uniform in 0...jitter (order is kept, as on a serial line) |
/// | `disconnect` | `AT+FOR` | the link is dead from AT for FOR: everything sent or arriving then is lost (repeatable) |
/// | `reset` | `AT` or `dip#N` | the board browns out and restarts at AT, or 30 ms after the N-th dip since the simulator started (repeatable) |
/// | `stall` | `AT+FOR` | the motor jams at AT for FOR (repeatable) |
/// | `lose` | `TYPE#N` | the N-th sequenced frame (from 1) carrying a message of TYPE (`dot_train`, `completions`, ...) is lost, its first transmission only; in whichever direction carries TYPE (repeatable) |
/// | `noise` | newtons, e.g. `0.01` or `0.01N` | standard deviation of the load sensor (default 0.002 N) |
/// | `ppm` | 0...1000 | bound of the board crystal's error (default 100; 0: the board clock runs at the true rate) |
/// | `epoch` | duration | board time at power-up (default: seeded, anywhere in 0 ..< 2^32 µs) |
/// | `usb` | `on` or `off` | the USB-like link timing: 1 ms frames, 0.5-2 ms latency, seeded 5-20 ms stalls (default on) |
///
/// Durations take a unit: `us`, `ms`, `s` or `min` (`1.5s`, `250ms`). Link times (`disconnect`) are true time since
/// power-up; board faults (`reset`, `stall`) are board time since power-up. `ppm=0,epoch=0us,usb=off` makes board
/// time equal true time and the link instantaneous, for tests that need exact timing.
public struct FaultPlan: Sendable, Equatable {
    /// A span of board time (microseconds).
    public struct Window: Sendable, Equatable {
        public var start: UInt64
        public var duration: UInt64
        public var end: UInt64 { start + duration }

        public init(start: UInt64, duration: UInt64) {
            self.start = start
            self.duration = duration
        }

        public func contains(_ time: UInt64) -> Bool { time >= start && time < end }
    }

    /// One frame to lose on purpose: the `occurrence`-th sequenced frame (from 1) that carries a message of
    /// `messageType`, counted over first transmissions and retransmissions alike; only that one transmission is lost.
    public struct FrameLoss: Sendable, Equatable {
        public var messageType: MessageType
        public var occurrence: Int

        public init(messageType: MessageType, occurrence: Int) {
            self.messageType = messageType
            self.occurrence = occurrence
        }
    }

    /// Default load-sensor noise [E].
    public static let defaultSensorNoiseN = 0.002

    public var corruptProbability: Double = 0
    public var dropProbability: Double = 0
    public var duplicateProbability: Double = 0
    public var delayMicros: UInt64 = 0
    public var jitterMicros: UInt64 = 0
    public var disconnects: [Window] = []
    public var resets: [UInt64] = []
    /// Brown-outs tied to the needle rather than the clock: ``dipResetDelayMicros`` after the N-th dip (Z starting
    /// down towards the skin) since the simulator started, counted over every power-up (`reset=dip#N`). Mid-dot by
    /// construction, however long the host took to get there.
    public var resetsAtDip: [Int] = []
    /// How long after its dip starts a `reset=dip#N` browns the board out: the needle is in the skin by then.
    public static let dipResetDelayMicros: UInt64 = 30_000
    public var stalls: [Window] = []
    public var frameLosses: [FrameLoss] = []
    public var sensorNoiseN: Double = FaultPlan.defaultSensorNoiseN
    /// Bound of the board crystal's error (ppm), and board time at power-up (nil: seeded). See ``BoardClock``.
    public var crystalErrorBoundPPM: Double = 100
    public var boardEpoch: UInt64?
    /// The link behaves like USB full-speed CDC (``LinkFaultInjector/USBTiming``).
    public var usbTiming = true

    /// No faults at all (default sensor noise).
    public init() {}

    /// True when nothing happens to the link: bytes arrive when they are sent.
    public var linkIsClean: Bool {
        corruptProbability == 0 && dropProbability == 0 && duplicateProbability == 0 && delayMicros == 0
            && jitterMicros == 0 && disconnects.isEmpty && frameLosses.isEmpty && !usbTiming
    }

    /// Parses a spec; an empty spec is no faults. Errors name `flag`, the key and what was expected.
    public init(parsing spec: String, flag: String = "--faults") throws(SimulatorInputError) {
        self.init()
        var seen: Set<String> = []
        let repeatable: Set<String> = ["disconnect", "reset", "stall", "lose"]
        for rawItem in spec.split(separator: ",", omittingEmptySubsequences: false) {
            let item = rawItem.trimmingCharacters(in: .whitespaces)
            if item.isEmpty {
                if spec.trimmingCharacters(in: .whitespaces).isEmpty { return }
                throw SimulatorInputError(.usage, source: flag, field: spec, reason: "empty item, expected key=value")
            }
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw SimulatorInputError(.usage, source: flag, field: item, reason: "expected key=value")
            }
            let key = String(parts[0])
            let value = String(parts[1])
            if seen.contains(key) && !repeatable.contains(key) {
                throw SimulatorInputError(.usage, source: flag, field: key, reason: "given twice, expected once")
            }
            seen.insert(key)
            let parser = FaultSpecValue(flag: flag, key: key, text: value)
            switch key {
            case "corrupt": corruptProbability = try parser.probability()
            case "drop": dropProbability = try parser.probability()
            case "dup": duplicateProbability = try parser.probability()
            case "delay": delayMicros = try parser.duration(value)
            case "jitter": jitterMicros = try parser.duration(value)
            case "disconnect": disconnects.append(try parser.window())
            case "reset":
                if value.hasPrefix("dip#") {
                    resetsAtDip.append(try parser.dipOccurrence())
                } else {
                    resets.append(try parser.duration(value))
                }
            case "stall": stalls.append(try parser.window())
            case "lose": frameLosses.append(try parser.frameLoss())
            case "noise": sensorNoiseN = try parser.newtons()
            case "ppm": crystalErrorBoundPPM = try parser.partsPerMillion()
            case "epoch": boardEpoch = try parser.duration(value)
            case "usb": usbTiming = try parser.onOff()
            default:
                throw SimulatorInputError(
                    .usage, source: flag, field: key,
                    reason:
                        "unknown fault, expected one of corrupt, drop, dup, delay, jitter, disconnect, reset, stall, "
                        + "lose, noise, ppm, epoch, usb"
                )
            }
        }
        disconnects.sort { $0.start < $1.start }
        resets.sort()
        resetsAtDip.sort()
        stalls.sort { $0.start < $1.start }
    }

    /// Whether the link is down at `time`.
    public func isDisconnected(at time: UInt64) -> Bool { disconnects.contains { $0.contains(time) } }
}

/// One value of a fault spec, with errors that name the flag and key.
private struct FaultSpecValue {
    let flag: String
    let key: String
    let text: String

    func fail(_ expected: String) -> SimulatorInputError {
        SimulatorInputError(.usage, source: flag, field: key, reason: "\"\(text)\" is not \(expected)")
    }

    func probability() throws(SimulatorInputError) -> Double {
        guard let value = Double(text), value.isFinite, value >= 0, value <= 1 else {
            throw fail("a probability between 0 and 1 (e.g. 1e-4)")
        }
        return value
    }

    func partsPerMillion() throws(SimulatorInputError) -> Double {
        guard let value = Double(text), value.isFinite, value >= 0, value <= 1000 else {
            throw fail("a crystal error bound in ppm between 0 and 1000 (e.g. 100)")
        }
        return value
    }

    func onOff() throws(SimulatorInputError) -> Bool {
        switch text {
        case "on": return true
        case "off": return false
        default: throw fail("on or off")
        }
    }

    func newtons() throws(SimulatorInputError) -> Double {
        let number = text.hasSuffix("N") ? String(text.dropLast()) : text
        guard let value = Double(number), value.isFinite, value >= 0, value <= 10 else {
            throw fail("a load in newtons between 0 and 10 (e.g. 0.01N)")
        }
        return value
    }

    func duration(_ text: String) throws(SimulatorInputError) -> UInt64 {
        let units: [(suffix: String, micros: Double)] = [
            ("us", 1), ("ms", 1000), ("min", 60_000_000), ("s", 1_000_000),
        ]
        for unit in units where text.hasSuffix(unit.suffix) {
            let number = text.dropLast(unit.suffix.count)
            guard let value = Double(number), value.isFinite, value >= 0 else { break }
            let micros = (value * unit.micros).rounded()
            guard micros < 1e15 else { break }
            return UInt64(micros)
        }
        throw fail("a duration with a unit (us, ms, s or min), e.g. 30s or 250ms")
    }

    func frameLoss() throws(SimulatorInputError) -> FaultPlan.FrameLoss {
        let parts = text.split(separator: "#", omittingEmptySubsequences: false)
        guard parts.count == 2, let type = MessageType(name: String(parts[0])), !type.isHandshake,
            let occurrence = Int(parts[1]), occurrence >= 1
        else {
            throw fail("TYPE#N, a sequenced message type and an occurrence from 1 (e.g. dot_train#3)")
        }
        return FaultPlan.FrameLoss(messageType: type, occurrence: occurrence)
    }

    /// `dip#N`: the N-th dip, from 1.
    func dipOccurrence() throws(SimulatorInputError) -> Int {
        guard let occurrence = Int(text.dropFirst("dip#".count)), occurrence >= 1 else {
            throw fail("AT (a duration such as 120s) or dip#N, the N-th dip from 1 (e.g. dip#40)")
        }
        return occurrence
    }

    func window() throws(SimulatorInputError) -> FaultPlan.Window {
        let parts = text.split(separator: "+", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw fail("AT+FOR, two durations such as 30s+2s") }
        let start = try duration(String(parts[0]))
        let length = try duration(String(parts[1]))
        guard length > 0 else { throw fail("AT+FOR with a FOR above zero") }
        return FaultPlan.Window(start: start, duration: length)
    }
}
