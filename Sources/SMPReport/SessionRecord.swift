import SMPPlanning

/// What a session report shows, in plain values: filled by whoever graded the session (the dry run today), so that
/// the report never needs the simulator or the controller.
public struct SessionRecord: Sendable, Equatable {
    /// One dot as it was executed: where the board put it and how deep the pigment sits.
    public struct ExecutedDot: Sendable, Equatable {
        /// The plan's dot id.
        public var planID: Int
        /// Executed position in plan coordinates (mm); ``SessionRecord/positionSource`` says how it is known.
        public var position: Point
        public var region: String
        public var session: Int
        /// Deposit depth of the pigment (mm of tissue); nil when nothing measured it. ``SessionRecord/depthSource``
        /// says where the depths come from.
        public var depositDepthMM: Double?
        /// The band the deposit should fall into (mm of tissue).
        public var targetMM: ClosedRange<Double>
        /// Diameter of the pigment dot the needle grouping leaves (mm), for the true-scale view.
        public var diameterMM: Double

        public init(
            planID: Int, position: Point, region: String, session: Int, depositDepthMM: Double?,
            targetMM: ClosedRange<Double>, diameterMM: Double
        ) {
            self.planID = planID
            self.position = position
            self.region = region
            self.session = session
            self.depositDepthMM = depositDepthMM
            self.targetMM = targetMM
            self.diameterMM = diameterMM
        }

        /// Where the deposit sits against the target band.
        public var band: DepthBand {
            guard let depth = depositDepthMM else { return .unmeasured }
            if depth < targetMM.lowerBound { return .shallow }
            if depth > targetMM.upperBound { return .deep }
            return .onTarget
        }
    }

    /// Deposit depth against the target band.
    public enum DepthBand: String, Sendable, CaseIterable {
        case shallow
        case onTarget = "on-target"
        case deep
        /// Done, and its depth not known: a real board reports strokes, not where the pigment went.
        case unmeasured

        /// The bands a measured depth falls into (the histograms' bars).
        public static let measured: [DepthBand] = [.shallow, .onTarget, .deep]
    }

    /// A dot of the plan that this record did not execute (another session), at its planned position.
    public struct PlannedDotMark: Sendable, Equatable {
        public var position: Point
        public var session: Int
        public var diameterMM: Double
        public init(position: Point, session: Int, diameterMM: Double) {
            self.position = position
            self.session = session
            self.diameterMM = diameterMM
        }
    }

    /// One sample of the timeline: a dot's start.
    public struct TimelineSample: Sendable, Equatable {
        /// Seconds since the first dot's schedule start.
        public var timeS: Double
        public var strokeRateHz: Double
        public var hangMM: Double
        /// Mean X/Y speed of the move that led to this dot (mm/s).
        public var speedMMPerS: Double
        public init(timeS: Double, strokeRateHz: Double, hangMM: Double, speedMMPerS: Double) {
            self.timeS = timeS
            self.strokeRateHz = strokeRateHz
            self.hangMM = hangMM
            self.speedMMPerS = speedMMPerS
        }
    }

    /// Something the operator saw happen: a hold or its resume, a stop, a fault, a lost link, a board restart, a
    /// cartridge or pigment change. Encoded in the `--json` summary's `events` list with these keys.
    public struct Event: Encodable, Sendable, Equatable {
        public enum Kind: String, Encodable, Sendable, CaseIterable {
            case hold
            case resume
            case emergencyStop = "emergency_stop"
            case fault
            case linkLost = "link_lost"
            case boardRestarted = "board_restarted"
            case cartridge
            case pigment

            /// Drawn as a labelled marker: a step the operator carried out.
            public var isOperatorStep: Bool { self == .cartridge || self == .pigment }
        }
        /// On the timeline's axis: seconds of board time since the first dot's schedule start (negative before it);
        /// nil when the host had no clock fit yet.
        public var timeS: Double?
        /// Seconds of host time since the session began (the clock of the summary's `session_time_s`).
        public var sessionTimeS: Double
        public var kind: Kind
        public var detail: String

        public init(timeS: Double?, sessionTimeS: Double, kind: Kind, detail: String) {
            self.timeS = timeS
            self.sessionTimeS = sessionTimeS
            self.kind = kind
            self.detail = detail
        }

        enum CodingKeys: String, CodingKey {
            case kind, detail
            case timeS = "time_s"
            case sessionTimeS = "session_time_s"
        }

        /// `time_s` is always present, null without a clock fit.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(timeS, forKey: .timeS)
            try container.encode(sessionTimeS, forKey: .sessionTimeS)
            try container.encode(kind, forKey: .kind)
            try container.encode(detail, forKey: .detail)
        }
    }

    /// A stretch the session was held: from a hold to the resume after it.
    public struct HoldSpan: Sendable, Equatable {
        /// The hold's and the resume's ``Event/timeS``; `endS` is nil when no resume came (the session stopped or
        /// ended while held).
        public var startS: Double
        public var endS: Double?
        public init(startS: Double, endS: Double?) {
            self.startS = startS
            self.endS = endS
        }
    }

    /// The holds in ``events`` paired with the resumes after them; holds without a clock fit are left out.
    public var holdSpans: [HoldSpan] {
        var spans: [HoldSpan] = []
        var open: Double?
        for event in events {
            guard let time = event.timeS else { continue }
            switch event.kind {
            case .hold:
                if open == nil { open = time }
            case .resume:
                if let start = open {
                    spans.append(HoldSpan(startS: start, endS: time))
                    open = nil
                }
            default: break
            }
        }
        if let start = open { spans.append(HoldSpan(startS: start, endS: nil)) }
        return spans
    }

    /// A region's outline, for the map.
    public struct RegionOutline: Sendable, Equatable {
        public var name: String
        public var rings: [[Point]]
        public init(name: String, rings: [[Point]]) {
            self.name = name
            self.rings = rings
        }
    }

    /// "dry run" or "run".
    public var kind: String
    public var planFile: String
    /// The session executed (1-based) and how many the plan has.
    public var session: Int
    public var sessionCount: Int
    /// Executed dots in visiting order (the travel path follows it).
    public var dots: [ExecutedDot]
    public var plannedDots: [PlannedDotMark]
    public var regions: [RegionOutline]
    public var hairline: [Point]
    public var timeline: [TimelineSample]
    /// In the order they happened.
    public var events: [Event]
    /// CSS colours for the true-scale view.
    public var skinTone: String
    public var pigmentTone: String
    public var skinName: String
    /// Where the dots' deposit depths come from, in a sentence for the reader (the simulator's record, an estimate
    /// from the board's stroke reports, or nothing).
    public var depthSource: String
    /// Where the dots' positions come from, in a sentence for the reader.
    public var positionSource: String

    public init(kind: String, planFile: String, session: Int = 1, sessionCount: Int = 1) {
        self.kind = kind
        self.planFile = planFile
        self.session = session
        self.sessionCount = sessionCount
        dots = []
        plannedDots = []
        regions = []
        hairline = []
        timeline = []
        events = []
        skinTone = "#e8c4a8"
        pigmentTone = "#2b2a2e"
        skinName = ""
        depthSource = ""
        positionSource = ""
    }

    /// The depths that were measured, over all dots or one region's.
    public func measuredDepths(region: String? = nil) -> [Double] {
        dots.compactMap { dot in region == nil || dot.region == region ? dot.depositDepthMM : nil }
    }
}

/// The summary numbers at the top of the report and in its table: the same values as the `--json` summary, copied
/// from it (never recomputed here). Keys are those of the JSON summary; a depth nothing measured is `null`.
public struct ReportSummary: Codable, Sendable, Equatable {
    public struct Region: Codable, Sendable, Equatable {
        public var name: String
        public var dots: Int
        public var timeS: Double
        public var depthP05MM: Double?
        public var meanDepthMM: Double?
        public var depthP95MM: Double?
        public var deep: Int?
        public var shallow: Int?
        public init(
            name: String, dots: Int, timeS: Double, depthP05MM: Double?, meanDepthMM: Double?, depthP95MM: Double?,
            deep: Int?, shallow: Int?
        ) {
            self.name = name
            self.dots = dots
            self.timeS = timeS
            self.depthP05MM = depthP05MM
            self.meanDepthMM = meanDepthMM
            self.depthP95MM = depthP95MM
            self.deep = deep
            self.shallow = shallow
        }
        enum CodingKeys: String, CodingKey {
            case name, dots, deep, shallow
            case timeS = "time_s"
            case depthP05MM = "depth_p05_mm"
            case meanDepthMM = "mean_depth_mm"
            case depthP95MM = "depth_p95_mm"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .name)
            try container.encode(dots, forKey: .dots)
            try container.encode(timeS, forKey: .timeS)
            try container.encode(depthP05MM, forKey: .depthP05MM)
            try container.encode(meanDepthMM, forKey: .meanDepthMM)
            try container.encode(depthP95MM, forKey: .depthP95MM)
            try container.encode(deep, forKey: .deep)
            try container.encode(shallow, forKey: .shallow)
        }
    }

    public var outcome: String
    public var sessionTimeS: Double
    public var machineTimeS: Double
    public var estimatedTimeS: Double
    public var probingTimeS: Double
    public var dotsPlanned: Int
    public var dotsDone: Int
    public var dotsUncertain: Int
    public var dotsSkipped: Int
    public var depthP05MM: Double?
    public var depthMeanMM: Double?
    public var depthP95MM: Double?
    public var blowouts: Int?
    public var shallow: Int?
    public var faults: [String]
    public var regions: [Region]

    public init(
        outcome: String, sessionTimeS: Double, machineTimeS: Double, estimatedTimeS: Double, probingTimeS: Double,
        dotsPlanned: Int, dotsDone: Int, dotsUncertain: Int, dotsSkipped: Int, depthP05MM: Double?,
        depthMeanMM: Double?, depthP95MM: Double?, blowouts: Int?, shallow: Int?, faults: [String], regions: [Region]
    ) {
        self.outcome = outcome
        self.sessionTimeS = sessionTimeS
        self.machineTimeS = machineTimeS
        self.estimatedTimeS = estimatedTimeS
        self.probingTimeS = probingTimeS
        self.dotsPlanned = dotsPlanned
        self.dotsDone = dotsDone
        self.dotsUncertain = dotsUncertain
        self.dotsSkipped = dotsSkipped
        self.depthP05MM = depthP05MM
        self.depthMeanMM = depthMeanMM
        self.depthP95MM = depthP95MM
        self.blowouts = blowouts
        self.shallow = shallow
        self.faults = faults
        self.regions = regions
    }

    enum CodingKeys: String, CodingKey {
        case outcome, blowouts, shallow, faults, regions
        case sessionTimeS = "session_time_s"
        case machineTimeS = "machine_time_s"
        case estimatedTimeS = "estimated_time_s"
        case probingTimeS = "probing_time_s"
        case dotsPlanned = "dots_planned"
        case dotsDone = "dots_done"
        case dotsUncertain = "dots_uncertain"
        case dotsSkipped = "dots_skipped"
        case depthP05MM = "depth_p05_mm"
        case depthMeanMM = "depth_mean_mm"
        case depthP95MM = "depth_p95_mm"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(sessionTimeS, forKey: .sessionTimeS)
        try container.encode(machineTimeS, forKey: .machineTimeS)
        try container.encode(estimatedTimeS, forKey: .estimatedTimeS)
        try container.encode(probingTimeS, forKey: .probingTimeS)
        try container.encode(dotsPlanned, forKey: .dotsPlanned)
        try container.encode(dotsDone, forKey: .dotsDone)
        try container.encode(dotsUncertain, forKey: .dotsUncertain)
        try container.encode(dotsSkipped, forKey: .dotsSkipped)
        try container.encode(depthP05MM, forKey: .depthP05MM)
        try container.encode(depthMeanMM, forKey: .depthMeanMM)
        try container.encode(depthP95MM, forKey: .depthP95MM)
        try container.encode(blowouts, forKey: .blowouts)
        try container.encode(shallow, forKey: .shallow)
        try container.encode(faults, forKey: .faults)
        try container.encode(regions, forKey: .regions)
    }
}

/// The statistics both summaries use, so that a dry run and a run compute their depth figures alike.
public enum DepthStatistics {
    public static func mean(_ values: [Double]) -> Double {
        values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
    }

    /// Nearest-rank percentile (0 for no values).
    public static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(sorted.count - 1, max(0, rank))]
    }
}
