import SMPBoardSim
import SMPControl
import SMPMotion
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
        enum CodingKeys: String, CodingKey {
            case name, dots, shallow, deep
            case onTarget = "on_target"
            case meanDepthMM = "mean_depth_mm"
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
    public var simSpeedup: Double

    enum CodingKeys: String, CodingKey {
        case format, plan, skin, surface, seed, outcome, faults, regions, blowouts, shallow
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
        controller: SessionController, truth: SimulationTruth, virtualSeconds: Double, wallSeconds: Double,
        hostToBoardBytes: Int, boardToHostBytes: Int, clockErrorMaxMicros: Double, options: DryRunOptions,
        setup: SimulationSetup
    ) -> DryRunReport {
        let dots = controller.dots
        let accounting = controller.finalAccounting
        // The truth names dots by wire id; a wire id is one plan dot (visiting order from 1).
        var executions: [UInt32: Int] = [:]
        for dot in truth.dots where dot.outcome == "completed" || dot.outcome == "interrupted" {
            executions[dot.dotID, default: 0] += 1
        }
        let duplicated = executions.values.reduce(0) { $0 + max(0, $1 - 1) }
        let completed = truth.dots.filter { $0.outcome == "completed" }
        let deposits = completed.map(\.depositDepthMM)
        let targets = completed.map { ($0.targetLowerMM + $0.targetUpperMM) / 2 }
        let errors = zip(deposits, targets).map { abs($0 - $1) }
        var rateError = 0.0
        for dot in completed {
            let index = Int(dot.dotID) - 1
            guard dots.indices.contains(index) else { continue }
            let planned = dots[index].motion.rateHz
            for stroke in dot.strokes where stroke.counted {
                rateError = Swift.max(rateError, abs(stroke.rateHz - planned) / planned * 100)
            }
        }
        var regions: [String: Region] = [:]
        var regionOrder: [String] = []
        for dot in completed {
            let index = Int(dot.dotID) - 1
            guard dots.indices.contains(index) else { continue }
            let name = dots[index].regionName
            if regions[name] == nil {
                regions[name] = Region(name: name, dots: 0, onTarget: 0, shallow: 0, deep: 0, meanDepthMM: 0)
                regionOrder.append(name)
            }
            regions[name]!.dots += 1
            regions[name]!.meanDepthMM += dot.depositDepthMM
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
            return region
        }
        let schedule = controller.schedule
        let lastEnd = truth.dots.map(\.endBoardTimeMicros).max()
        var machine = 0.0
        if let schedule, let lastEnd, lastEnd > schedule.start.time {
            machine = Double(lastEnd - schedule.start.time) / 1e6
        }
        var travel = 0.0
        if let schedule {
            var x = schedule.start.xMM
            var y = schedule.start.yMM
            for dot in schedule.dots {
                travel += ((dot.xMM - x) * (dot.xMM - x) + (dot.yMM - y) * (dot.yMM - y)).squareRoot()
                x = dot.xMM
                y = dot.yMM
            }
        }
        var bound = 0.0
        if let schedule {
            let seconds = KinematicBound(schedule).sequentialSeconds
            bound = seconds > 0 ? Double(schedule.dots.count) / seconds : 0
        }
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
        let outcome: String
        switch controller.state {
        case .finished: outcome = "finished"
        case .faulted(let reason):
            outcome = "faulted: \(reason)"
            if case .board = reason {} else { faultList.append("host: \(reason)") }
        default: outcome = "stopped while \(controller.state)"
        }
        let probingSeconds: Double =
            if let probe = controller.probingStartedAt, let stream = controller.streamingStartedAt {
                Double(stream - probe) / 1e6
            } else { 0 }
        let sessionEnd = controller.finishedAt.map { Double($0) / 1e6 } ?? virtualSeconds
        let planned = Swift.max(1, dots.count)
        return DryRunReport(
            plan: "", skin: options.skin.rawValue, surface: setup.surface.rawValue, seed: setup.seed,
            faultSpec: setup.faultSpec, outcome: outcome, dotsPlanned: dots.count, dotsDone: accounting.done,
            dotsDuplicated: duplicated, dotsUncertain: accounting.uncertain, dotsSkipped: accounting.skipped,
            machineTimeS: machine, estimatedTimeS: schedule?.durationSeconds ?? 0, probingTimeS: probingSeconds,
            sessionTimeS: sessionEnd, touchOffs: controller.touchOffs.count,
            dotsPerSecond: machine > 0 ? Double(accounting.done) / machine : 0,
            kinematicBoundDotsPerSecond: bound, travelMM: travel,
            lateCommands: truth.faults.count { $0.code == FaultCode.lateCommand.name },
            wireBytesPerDot: WireBytes(
                hostToBoard: Double(hostToBoardBytes) / Double(planned),
                boardToHost: Double(boardToHostBytes) / Double(planned)),
            depthMM: Depth(
                target: mean(targets), mean: mean(deposits), p05: percentile(deposits, 0.05),
                p95: percentile(deposits, 0.95), max: deposits.max() ?? 0, absErrorP95: percentile(errors, 0.95)),
            blowouts: completed.count(where: \.tooDeep), shallow: completed.count(where: \.tooShallow),
            strokeRateErrorMaxPct: rateError, clockSyncErrorMaxUs: clockErrorMaxMicros, faults: faultList,
            regions: regionList, notDone: notDone,
            simSpeedup: wallSeconds > 0 ? virtualSeconds / wallSeconds : 0)
    }
}

func mean(_ values: [Double]) -> Double {
    values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
}

/// Nearest-rank percentile.
func percentile(_ values: [Double], _ fraction: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let rank = Int((fraction * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(sorted.count - 1, max(0, rank))]
}
