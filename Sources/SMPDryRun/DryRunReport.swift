import SMPBoardSim
import SMPControl
import SMPMotion
import SMPPlanning
import SMPReport
import SMPRun
import SMPWire

/// A dry run graded against the simulator's truth: what `smpctl dry-run` prints (keys snake_case in `--json`).
public struct DryRunReport: Encodable, Sendable {
    public struct WireBytes: Encodable, Sendable {
        public var hostToBoard: Double
        public var boardToHost: Double
        enum CodingKeys: String, CodingKey {
            case hostToBoard = "host_to_board"
            case boardToHost = "board_to_host"
        }
    }

    public struct Depth: Encodable, Sendable {
        /// Mean of the dots' target bands' middles.
        public var target: Double
        public var mean: Double
        public var p05: Double
        public var p95: Double
        public var max: Double
        /// 95th percentile of |deposit - the dot's target middle|.
        public var absErrorP95: Double
        enum CodingKeys: String, CodingKey {
            case target, mean, p05, p95, max
            case absErrorP95 = "abs_error_p95"
        }
    }

    /// Depth outcome of one plan region.
    public struct Region: Encodable, Sendable {
        public var name: String
        public var dots: Int
        public var onTarget: Int
        public var shallow: Int
        public var deep: Int
        public var meanDepthMM: Double
        public var depthP05MM: Double
        public var depthP95MM: Double
        /// Board time of its dots, each counted from the end of the previous dot (the move to it included), s.
        public var timeS: Double
        enum CodingKeys: String, CodingKey {
            case name, dots, shallow, deep
            case onTarget = "on_target"
            case meanDepthMM = "mean_depth_mm"
            case depthP05MM = "depth_p05_mm"
            case depthP95MM = "depth_p95_mm"
            case timeS = "time_s"
        }
    }

    /// A dot that was not done, and why.
    public struct NotDone: Encodable, Sendable {
        public var dotID: Int
        public var fate: String
        public var reason: String
        enum CodingKeys: String, CodingKey {
            case dotID = "dot_id"
            case fate, reason
        }
    }

    public var format = "smpctl-dry-run/1"
    public var plan: String
    public var skin: String
    public var surface: String
    public var seed: UInt64
    public var faultSpec: String
    public var outcome: String
    public var dotsPlanned: Int
    public var dotsDone: Int
    public var dotsDuplicated: Int
    public var dotsUncertain: Int
    public var dotsSkipped: Int
    /// Board time from the schedule's start to the end of the last dot (s).
    public var machineTimeS: Double
    /// The controller's motion schedule over the measured surface: its estimate of that time (s).
    public var estimatedTimeS: Double
    /// Probing (clock sync, grid, touch-offs) before the dots (s of host time).
    public var probingTimeS: Double
    /// Connect to the last record (s of host time).
    public var sessionTimeS: Double
    public var touchOffs: Int
    public var dotsPerSecond: Double
    /// The kinematic lower bound of the same order and lift, as dots/s (SMPMotion).
    public var kinematicBoundDotsPerSecond: Double
    public var travelMM: Double
    public var lateCommands: Int
    public var wireBytesPerDot: WireBytes
    public var depthMM: Depth
    public var blowouts: Int
    public var shallow: Int
    public var strokeRateErrorMaxPct: Double
    public var clockSyncErrorMaxUs: Double
    public var faults: [String]
    public var regions: [Region]
    public var notDone: [NotDone]
    /// What the operator saw happen, in order (``SessionRecord/events``, the same values the report draws).
    public var events: [SessionRecord.Event]
    public var simSpeedup: Double
    /// Dot by dot, for the HTML report (not part of the JSON summary).
    public var record: SessionRecord

    enum CodingKeys: String, CodingKey {
        case format, plan, skin, surface, seed, outcome, faults, regions, blowouts, shallow, events
        case faultSpec = "fault_spec"
        case dotsPlanned = "dots_planned"
        case dotsDone = "dots_done"
        case dotsDuplicated = "dots_duplicated"
        case dotsUncertain = "dots_uncertain"
        case dotsSkipped = "dots_skipped"
        case machineTimeS = "machine_time_s"
        case estimatedTimeS = "estimated_time_s"
        case probingTimeS = "probing_time_s"
        case sessionTimeS = "session_time_s"
        case touchOffs = "touch_offs"
        case dotsPerSecond = "dots_per_second"
        case kinematicBoundDotsPerSecond = "kinematic_bound_dots_per_second"
        case travelMM = "travel_mm"
        case lateCommands = "late_commands"
        case wireBytesPerDot = "wire_bytes_per_dot"
        case depthMM = "depth_mm"
        case strokeRateErrorMaxPct = "stroke_rate_error_max_pct"
        case clockSyncErrorMaxUs = "clock_sync_error_max_us"
        case notDone = "not_done"
        case simSpeedup = "sim_speedup"
    }

    static func grade(
        run: GradedRun, truth: SimulationTruth, virtualSeconds: Double, wallSeconds: Double,
        hostToBoardBytes: Int, boardToHostBytes: Int, clockErrorMaxMicros: Double, options: DryRunOptions,
        setup: SimulationSetup
    ) -> DryRunReport {
        let dots = run.dots
        let accounting = run.accounting
        // The truth names dots by wire id; the run's ledger maps each wire id to the plan dot it sent. A plan dot
        // needled twice is one with more counted strokes, over all its sends, than the plan gives it.
        var countedStrokes: [Int: Int] = [:]
        for dot in truth.dots {
            guard let index = run.dotIndexOfWireID[dot.dotID] else { continue }
            countedStrokes[index, default: 0] += dot.strokesCounted
        }
        let duplicated = countedStrokes.count { index, strokes in strokes > dots[index].motion.strokes }
        let completed = truth.dots.filter { $0.outcome == "completed" }
        let deposits = completed.map(\.depositDepthMM)
        let targets = completed.map { ($0.targetLowerMM + $0.targetUpperMM) / 2 }
        let errors = zip(deposits, targets).map { abs($0 - $1) }
        var rateError = 0.0
        for dot in completed {
            guard let index = run.dotIndexOfWireID[dot.dotID] else { continue }
            let planned = dots[index].motion.rateHz
            for stroke in dot.strokes where stroke.counted {
                rateError = Swift.max(rateError, abs(stroke.rateHz - planned) / planned * 100)
            }
        }
        // Completed dots in the board's order, with the end of the dot before each (for per-region time).
        var regions: [String: Region] = [:]
        var regionDepths: [String: [Double]] = [:]
        var regionOrder: [String] = []
        var previousEnd = run.sessions.first?.schedule?.start.time
        for dot in truth.dots.sorted(by: { $0.startBoardTimeMicros < $1.startBoardTimeMicros }) {
            defer { previousEnd = Swift.max(previousEnd ?? 0, dot.endBoardTimeMicros) }
            guard dot.outcome == "completed", let index = run.dotIndexOfWireID[dot.dotID] else { continue }
            let name = dots[index].regionName
            if regions[name] == nil {
                regions[name] = Region(
                    name: name, dots: 0, onTarget: 0, shallow: 0, deep: 0, meanDepthMM: 0, depthP05MM: 0,
                    depthP95MM: 0, timeS: 0)
                regionOrder.append(name)
            }
            regions[name]!.dots += 1
            regions[name]!.meanDepthMM += dot.depositDepthMM
            regionDepths[name, default: []].append(dot.depositDepthMM)
            let from = Swift.min(previousEnd ?? dot.startBoardTimeMicros, dot.startBoardTimeMicros)
            regions[name]!.timeS += Double(dot.endBoardTimeMicros - from) / 1e6
            if dot.tooDeep {
                regions[name]!.deep += 1
            } else if dot.tooShallow {
                regions[name]!.shallow += 1
            } else {
                regions[name]!.onTarget += 1
            }
        }
        let regionList = regionOrder.map { name -> Region in
            var region = regions[name]!
            region.meanDepthMM /= Double(Swift.max(1, region.dots))
            region.depthP05MM = DepthStatistics.percentile(regionDepths[name] ?? [], 0.05)
            region.depthP95MM = DepthStatistics.percentile(regionDepths[name] ?? [], 0.95)
            return region
        }
        // Each sending session: its schedule from its start to the end of its last dot on the board.
        var machine = 0.0
        var estimated = 0.0
        var travel = 0.0
        var boundSeconds = 0.0
        var boundDots = 0
        var endOfWire: [UInt32: UInt64] = [:]
        for dot in truth.dots { endOfWire[dot.dotID] = Swift.max(endOfWire[dot.dotID] ?? 0, dot.endBoardTimeMicros) }
        for session in run.sessions {
            guard let schedule = session.schedule else { continue }
            estimated += schedule.durationSeconds
            let lastEnd = session.dots.indices.compactMap { endOfWire[session.wireID(ofDot: $0)] }.max()
            if let lastEnd, lastEnd > schedule.start.time { machine += Double(lastEnd - schedule.start.time) / 1e6 }
            var x = schedule.start.xMM
            var y = schedule.start.yMM
            for dot in schedule.dots {
                travel += ((dot.xMM - x) * (dot.xMM - x) + (dot.yMM - y) * (dot.yMM - y)).squareRoot()
                x = dot.xMM
                y = dot.yMM
            }
            boundSeconds += KinematicBound(schedule).sequentialSeconds
            boundDots += schedule.dots.count
        }
        let bound = boundSeconds > 0 ? Double(boundDots) / boundSeconds : 0
        var notDone: [NotDone] = []
        for (index, fate) in accounting.fates.enumerated() {
            switch fate {
            case .uncertain(let reason):
                notDone.append(NotDone(dotID: dots[index].motion.id, fate: "uncertain", reason: reason))
            case .skipped(let reason):
                notDone.append(NotDone(dotID: dots[index].motion.id, fate: "skipped", reason: reason))
            default: break
            }
        }
        var faultList = truth.faults.map { fault in
            "\(fault.code) at board time \(fault.boardTimeMicros) us"
                + (fault.dotID != 0 ? ", wire dot \(fault.dotID)" : "")
        }
        for session in run.sessions {
            guard case .faulted(let reason) = session.state else { continue }
            if case .board = reason {} else { faultList.append("host: \(reason)") }
        }
        let outcome = run.outcome
        var probingSeconds = 0.0
        for session in run.sessions {
            if let probe = session.probingStartedAt, let stream = session.streamingStartedAt {
                probingSeconds += Double(stream - probe) / 1e6
            }
        }
        let sessionEnd = run.sessions.last?.finishedAt.map { Double($0) / 1e6 } ?? virtualSeconds
        let planned = Swift.max(1, dots.count)
        let sessionRecord = record(run: run, truth: truth, options: options)
        return DryRunReport(
            plan: "", skin: options.skin.rawValue, surface: setup.surface.rawValue, seed: setup.seed,
            faultSpec: setup.faultSpec, outcome: outcome, dotsPlanned: dots.count, dotsDone: accounting.done,
            dotsDuplicated: duplicated, dotsUncertain: accounting.uncertain, dotsSkipped: accounting.skipped,
            machineTimeS: machine, estimatedTimeS: estimated, probingTimeS: probingSeconds,
            sessionTimeS: sessionEnd, touchOffs: run.sessions.reduce(0) { $0 + $1.touchOffs.count },
            dotsPerSecond: machine > 0 ? Double(accounting.done) / machine : 0,
            kinematicBoundDotsPerSecond: bound, travelMM: travel,
            lateCommands: truth.faults.count { $0.code == FaultCode.lateCommand.name },
            wireBytesPerDot: WireBytes(
                hostToBoard: Double(hostToBoardBytes) / Double(planned),
                boardToHost: Double(boardToHostBytes) / Double(planned)),
            depthMM: Depth(
                target: DepthStatistics.mean(targets), mean: DepthStatistics.mean(deposits),
                p05: DepthStatistics.percentile(deposits, 0.05),
                p95: DepthStatistics.percentile(deposits, 0.95), max: deposits.max() ?? 0,
                absErrorP95: DepthStatistics.percentile(errors, 0.95)),
            blowouts: completed.count(where: \.tooDeep), shallow: completed.count(where: \.tooShallow),
            strokeRateErrorMaxPct: rateError, clockSyncErrorMaxUs: clockErrorMaxMicros, faults: faultList,
            regions: regionList, notDone: notDone, events: sessionRecord.events,
            simSpeedup: wallSeconds > 0 ? virtualSeconds / wallSeconds : 0, record: sessionRecord)
    }

    /// The summary numbers of the HTML report: these very fields, so that report and `--json` agree.
    public var summary: ReportSummary {
        ReportSummary(
            outcome: outcome, sessionTimeS: sessionTimeS, machineTimeS: machineTimeS, estimatedTimeS: estimatedTimeS,
            probingTimeS: probingTimeS, dotsPlanned: dotsPlanned, dotsDone: dotsDone, dotsUncertain: dotsUncertain,
            dotsSkipped: dotsSkipped, depthP05MM: depthMM.p05, depthMeanMM: depthMM.mean, depthP95MM: depthMM.p95,
            blowouts: blowouts, shallow: shallow, faults: faults,
            regions: regions.map {
                ReportSummary.Region(
                    name: $0.name, dots: $0.dots, timeS: $0.timeS, depthP05MM: $0.depthP05MM,
                    meanDepthMM: $0.meanDepthMM, depthP95MM: $0.depthP95MM, deep: $0.deep, shallow: $0.shallow)
            })
    }

    /// The executed dots and the timeline, from the simulator's truth; the events, from the controllers' logs (and
    /// the truth's board faults the host never received). Sessions, dot diameters and the outlines come from the
    /// plan: ``DryRun/run(_:options:progress:)`` adds them (``SessionRecord/add(plan:)``); without a plan the dots are
    /// session 1 with diameter 0.
    static func record(run: GradedRun, truth: SimulationTruth, options: DryRunOptions) -> SessionRecord {
        let dots = run.dots
        var record = SessionRecord(kind: "dry run", planFile: "")
        record.skinName = options.skin.rawValue
        record.skinTone = skinTone(options.skin)
        record.depthSource = "the simulator's record of each dot (a dry run knows where the pigment went)"
        record.positionSource = "the board's X/Y at each dot's first counted stroke (the simulator's record)"
        let origin = run.sessions.first?.schedule?.start.time ?? truth.dots.map(\.startBoardTimeMicros).min() ?? 0
        func seconds(_ boardTime: UInt64) -> Double { (Double(boardTime) - Double(origin)) / 1e6 }
        var previous: DotTruth?
        for dot in truth.dots.sorted(by: { $0.startBoardTimeMicros < $1.startBoardTimeMicros }) {
            defer { previous = dot }
            guard dot.outcome == "completed", let index = run.dotIndexOfWireID[dot.dotID] else { continue }
            let counted = dot.strokes.filter(\.counted)
            let position =
                counted.first.map { Point($0.xMM, $0.yMM) } ?? Point(dot.commandedXMM, dot.commandedYMM)
            record.dots.append(
                SessionRecord.ExecutedDot(
                    planID: dots[index].motion.id, position: position, region: dots[index].regionName,
                    session: 1, depositDepthMM: dot.depositDepthMM, targetMM: dot.targetLowerMM...dot.targetUpperMM,
                    diameterMM: 0))
            let rate = counted.isEmpty ? 0 : counted.map(\.rateHz).reduce(0, +) / Double(counted.count)
            // X/Y moves from the dot's start until Z starts down towards the skin.
            var speed = 0.0
            if let previous, let dip = dot.dipStartBoardTimeMicros, dip > dot.startBoardTimeMicros {
                let distance =
                    ((dot.commandedXMM - previous.commandedXMM) * (dot.commandedXMM - previous.commandedXMM)
                    + (dot.commandedYMM - previous.commandedYMM) * (dot.commandedYMM - previous.commandedYMM))
                    .squareRoot()
                speed = distance / (Double(dip - dot.startBoardTimeMicros) / 1e6)
            }
            record.timeline.append(
                SessionRecord.TimelineSample(
                    timeS: seconds(dot.startBoardTimeMicros), strokeRateHz: rate, hangMM: dot.commandedHangMM,
                    speedMMPerS: speed))
        }
        record.events = run.allSessions.flatMap(\.eventLog).map { SessionRecord.Event($0, origin: origin) }
        // Board faults whose report never reached the host (the link was down): the simulator's record has them.
        let received = Set(run.allSessions.flatMap(\.faults).map { "\($0.code.name) \($0.boardTime) \($0.dotID)" })
        let clock = run.allSessions.last(where: { $0.clock.samplesFitted > 0 })?.clock ?? ClockSync()
        for fault in truth.faults where !received.contains("\(fault.code) \(fault.boardTimeMicros) \(fault.dotID)") {
            record.events.append(
                SessionRecord.Event(
                    timeS: seconds(fault.boardTimeMicros),
                    sessionTimeS: Swift.max(0, clock.hostTime(atBoard: fault.boardTimeMicros)) / 1e6,
                    kind: .fault,
                    detail: "board fault \(fault.code)" + (fault.dotID != 0 ? " at wire dot \(fault.dotID)" : "")
                        + "; the board's record only, the host never received it"))
        }
        // In time order; events without a clock fit came before any that has one.
        record.events = record.events.enumerated().sorted { a, b in
            let (ta, tb) = (a.element.timeS ?? -.infinity, b.element.timeS ?? -.infinity)
            return ta != tb ? ta < tb : a.offset < b.offset
        }.map(\.element)
        return record
    }

    /// A representative skin tone per simulated skin type, for the true-scale view.
    static func skinTone(_ skin: SkinType) -> String {
        switch skin {
        case .fitzpatrick1to3: "#e9c6a9"
        case .fitzpatrick4to6: "#7a4e33"
        default: "#dcb393"
        }
    }
}
