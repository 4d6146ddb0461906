import Foundation
import SMPWire

/// One exchange that read the board's clock: the host's monotonic clock when the request left and when the answer
/// arrived (µs), and the board time the answer carried (board ticks: µs at the nominal `clock_hz` of 1 MHz).
///
/// The board read its clock somewhere between the two host instants; that is all a round trip proves.
public struct ClockSample: Sendable, Equatable {
    public var hostSent: UInt64
    public var boardTime: UInt64
    public var hostReceived: UInt64

    public init(hostSent: UInt64, boardTime: UInt64, hostReceived: UInt64) {
        self.hostSent = hostSent
        self.boardTime = boardTime
        self.hostReceived = hostReceived
    }

    /// A `status` answering a `status_query` sent at `sent`, received at `received`.
    public init(status: BoardStatus, sent: UInt64, received: UInt64) {
        self.init(hostSent: sent, boardTime: status.boardTime, hostReceived: received)
    }

    public var roundTrip: UInt64 { hostReceived >= hostSent ? hostReceived - hostSent : 0 }
}

/// The board clock against the host's monotonic clock: offset and rate from a running linear fit of clock samples,
/// and how far that fit can be trusted.
///
/// As Klipper's `clocksync` does, the fit is an exponentially weighted linear regression (each new sample weighs
/// 1/30, so the fit follows a crystal whose error drifts) of board time on host time, with an exponentially weighted
/// variance of how far each new sample landed from the prediction. The host instant of a sample is the middle of its
/// round trip. Samples whose round trip is much longer than the best recent one (a USB stall on one leg) are not fitted:
/// their middle may be off by the stall. The prediction's uncertainty, the margin the controller keeps, is
/// three standard deviations of the prediction error of new samples (which already holds the fit's extrapolation
/// over one sampling interval), plus half the mean round trip of the fitted samples (the board read its clock
/// somewhere in each; an asymmetric link biases the middle by up to that, and no fit can see it), plus the growth of
/// the error when predicting past the last sample (the rate's own uncertainty and the crystal's drift).
///
/// Sans-I/O: samples in, estimates out; nothing here reads a clock.
public struct ClockSync: Sendable {
    public struct Configuration: Sendable, Equatable {
        /// The weight of each new sample in the running fit.
        public var decay = 1.0 / 30.0
        /// The board crystal's rate error is within this (±100 ppm for smp-driver-r1's crystal).
        public var maximumRateError = 100e-6
        /// How fast that rate error may change (per second): 1 ppm per minute.
        public var maximumRateDrift = 1e-6 / 60
        /// A sample is fitted only if its round trip is at most this factor of the best recent one, plus
        /// `roundTripAllowance`.
        public var roundTripFactor = 2.0
        public var roundTripAllowance: UInt64 = 1_000
        /// The best round trip ages by this many µs per second, so a link that became slower is followed.
        public var roundTripAgeing = 50.0
        /// Samples needed before the estimate is trusted.
        public var warmUpSamples = 4

        public init() {}
    }

    /// What the last sample did to the estimate (for the log).
    public enum Update: Sendable, Equatable {
        /// The first sample: offset only, rate nominal.
        case started
        /// Fitted; the error of its prediction (µs, sample minus prediction).
        case fitted(residual: Double)
        /// Not fitted: its round trip (µs) was too long against the best recent one.
        case skippedSlowRoundTrip(roundTrip: UInt64)
        /// Refused: the board clock went backwards, or the host's did (a reset, a different board).
        case refusedNonMonotonic
    }

    public let configuration: Configuration
    /// The reference instants the fit is taken relative to (keeps the arithmetic in Double exact enough).
    private var hostReference: UInt64 = 0
    private var boardReference: UInt64 = 0
    /// Weighted means of host time and board time (µs, relative to the references), variance of host time and
    /// covariance.
    private var hostMean = 0.0
    private var boardMean = 0.0
    private var hostVariance = 0.0
    private var covariance = 0.0
    /// Board ticks per host µs.
    public private(set) var rate = 1.0
    /// Weighted variance of the prediction error of new samples (µs²).
    private var predictionVariance = 0.0
    /// Weighted mean round trip of the fitted samples (µs).
    private var meanRoundTrip = 0.0
    /// Host time (µs, relative to the reference) of the last fitted sample's middle.
    private var lastFittedHost = 0.0
    private var bestRoundTrip: Double = .infinity
    private var bestRoundTripAt: UInt64 = 0
    private var lastSample: ClockSample?
    public private(set) var samplesFitted = 0
    public private(set) var samplesSkipped = 0

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    /// True once enough samples were fitted for the margins to mean something.
    public var isSynchronised: Bool { samplesFitted >= configuration.warmUpSamples }

    /// The board's rate error against the host clock (ppm; positive: the board runs fast).
    public var rateErrorPPM: Double { (rate - 1) * 1e6 }

    /// Half the best recent round trip (µs): how far the middle of a round trip can be from the board's reading.
    public var halfBestRoundTrip: Double { bestRoundTrip.isFinite ? bestRoundTrip / 2 : 0 }

    /// Adds a sample.
    @discardableResult
    public mutating func add(_ sample: ClockSample) -> Update {
        if let last = lastSample, sample.boardTime < last.boardTime || sample.hostSent < last.hostSent {
            return .refusedNonMonotonic
        }
        let roundTrip = Double(sample.roundTrip)
        let aged =
            bestRoundTrip
            + configuration.roundTripAgeing * Double(sample.hostSent &- bestRoundTripAt) / 1_000_000
        if roundTrip <= aged {
            bestRoundTrip = roundTrip
            bestRoundTripAt = sample.hostSent
        }
        guard lastSample != nil else {
            lastSample = sample
            hostReference = sample.hostSent + sample.roundTrip / 2
            boardReference = sample.boardTime
            // The first sample knows the offset to within half its round trip, the rate to the crystal's tolerance.
            predictionVariance = pow(roundTrip / 2, 2)
            meanRoundTrip = roundTrip
            samplesFitted = 1
            return .started
        }
        lastSample = sample
        let limit = configuration.roundTripFactor * min(aged, bestRoundTrip) + Double(configuration.roundTripAllowance)
        if roundTrip > limit && samplesFitted >= configuration.warmUpSamples {
            samplesSkipped += 1
            return .skippedSlowRoundTrip(roundTrip: sample.roundTrip)
        }
        let host = Double(sample.hostSent) - Double(hostReference) + roundTrip / 2
        let board = Double(sample.boardTime) - Double(boardReference)
        let predicted = boardMean + (host - hostMean) * rate
        let residual = board - predicted
        let decay = configuration.decay
        predictionVariance = (1 - decay) * (predictionVariance + residual * residual * decay)
        let hostStep = host - hostMean
        hostMean += decay * hostStep
        hostVariance = (1 - decay) * (hostVariance + hostStep * hostStep * decay)
        let boardStep = board - boardMean
        boardMean += decay * boardStep
        covariance = (1 - decay) * (covariance + hostStep * boardStep * decay)
        if hostVariance > 0 {
            let fitted = covariance / hostVariance
            let bound = configuration.maximumRateError
            rate = min(1 + bound, max(1 - bound, fitted))
        }
        meanRoundTrip += decay * (roundTrip - meanRoundTrip)
        lastFittedHost = host
        samplesFitted += 1
        return .fitted(residual: residual)
    }

    /// The board time (ticks) at host time `host` (µs).
    public func boardTime(atHost host: UInt64) -> Double {
        let x = Double(host) - Double(hostReference)
        return Double(boardReference) + boardMean + (x - hostMean) * rate
    }

    /// The host time (µs) at which the board's clock reads `board`.
    public func hostTime(atBoard board: UInt64) -> Double {
        let y = Double(board) - Double(boardReference)
        return Double(hostReference) + hostMean + (y - boardMean) / rate
    }

    /// How far ``boardTime(atHost:)`` may be from the board's clock at host time `host` (µs): the margin.
    public func uncertainty(atHost host: UInt64) -> Double {
        let sigma = predictionVariance.squareRoot()
        let beyond = max(0, Double(host) - Double(hostReference) - lastFittedHost) / 1_000_000
        // The slope's spread from the fit: σ over √(effective samples) times the spread of host times fitted. It
        // cannot exceed the crystal's tolerance either way.
        let effectiveSamples = (2 - configuration.decay) / configuration.decay
        let rateSpread =
            hostVariance > 0
            ? sigma / (effectiveSamples.squareRoot() * hostVariance.squareRoot()) : configuration.maximumRateError
        let rateTerm = min(3 * rateSpread, 2 * configuration.maximumRateError) * beyond * 1_000_000
        let driftTerm = 0.5 * configuration.maximumRateDrift * beyond * beyond * 1_000_000
        return 3 * sigma + meanRoundTrip / 2 + rateTerm + driftTerm
    }

    /// The latest host time (µs) at which a command for board time `board` may leave so that it arrives at least
    /// `minimumLead` µs before it, given the link's recent worst round trip `linkLatency` (µs) as its one-way bound.
    public func sendDeadline(forBoardTime board: UInt64, minimumLead: UInt64, linkLatency: UInt64) -> Double {
        let target = board >= minimumLead ? board - minimumLead : 0
        let host = hostTime(atBoard: target)
        return host - uncertainty(atHost: UInt64(max(0, host))) - Double(linkLatency)
    }
}
