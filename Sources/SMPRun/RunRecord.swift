import SMPControl
import SMPMotion
import SMPPlanning
import SMPReport
import SMPWire

/// A run as the report shows it, from what the host knows: the run's ledger (which dots are done), the controllers'
/// schedules (when each dot was due, at which hang and rate), the board's stroke reports and the controllers' event
/// logs. A real board reports no position and no deposit depth: dots are drawn at their commanded position, and a
/// depth is there only where `depth` estimates one from the dot's strokes.
public struct RunRecord: Sendable {
    public var record: SessionRecord
    /// Per region, in the order the regions were first needled: its dots' time, each dot counted from the end of the
    /// previous one (schedule times, s).
    public var regionTimes: [(name: String, seconds: Double)]

    /// Builds the record of `plan`'s session. `hostOrigin` is the host time the run began (the clock of
    /// `session_time_s`); `depth` estimates a done dot's deposit from its counted strokes (nil: not measured).
    public init<Transport: ControllerTransport, Ledger: RunLedger>(
        runner: SessionRunner<Transport, Ledger>, accounting: DotAccounting, plan: PlanResult, hostOrigin: UInt64,
        depth: ((ControlDot, [StrokeSample]) -> Double?)?, depthSource: String
    ) {
        var record = SessionRecord(kind: "run", planFile: "")
        record.depthSource = depthSource
        record.positionSource =
            "each dot's commanded position (a board reports where a dot was needled only by its completion)"
        let sessions = runner.sendingSessions
        let origin = sessions.lazy.compactMap { $0.schedule?.start.time }.first ?? 0
        func axisSeconds(_ boardMicros: UInt64) -> Double { (Double(boardMicros) - Double(origin)) / 1e6 }

        // The send that completed each done dot: the last session whose own accounting has it done.
        var strokesOfWire: [UInt32: [StrokeSample]] = [:]
        var completedBy: [Int: (session: Int, local: Int)] = [:]
        let indexOfWire = runner.dotIndexOfWireID
        for (sessionIndex, session) in sessions.enumerated() {
            for detail in session.strokeDetails { strokesOfWire[detail.dotID, default: []] += detail.strokes }
            for (local, fate) in session.accounting.fates.enumerated() where fate == .done {
                guard let index = indexOfWire[session.wireID(ofDot: local)] else { continue }
                completedBy[index] = (sessionIndex, local)
            }
        }
        var executed: [ExecutedDotFacts] = []
        for (index, fate) in accounting.fates.enumerated() where fate == .done {
            let dot = runner.dots[index]
            let position = Point(dot.motion.xMM, dot.motion.yMM)
            var scheduled: ScheduledDot?
            var strokes: [StrokeSample] = []
            if let (sessionIndex, local) = completedBy[index] {
                let session = sessions[sessionIndex]
                scheduled = session.schedule?.dots.first { $0.id == dot.motion.id }
                strokes = strokesOfWire[session.wireID(ofDot: local)] ?? []
            }
            executed.append(
                ExecutedDotFacts(
                    dot: SessionRecord.ExecutedDot(
                        planID: dot.motion.id, position: position, region: dot.regionName, session: 1,
                        depositDepthMM: depth?(dot, strokes), targetMM: 0...0, diameterMM: 0),
                    scheduled: scheduled, strokes: strokes))
        }
        // Dots done in an earlier invocation of the run have no schedule here: they come first, then the board's
        // order.
        executed.sort { ($0.scheduled?.start ?? 0) < ($1.scheduled?.start ?? 0) }
        record.dots = executed.map(\.dot)
        record.add(plan: plan)
        record.addTargets(plan: plan)
        record.skinName = plan.plan.regions.first?.profile.name ?? ""

        var times: [(name: String, seconds: Double)] = []
        var previous: ScheduledDot?
        for item in executed {
            guard let scheduled = item.scheduled else { continue }
            defer { previous = scheduled }
            let counted = item.strokes.filter(\.counted)
            var rate = Double(scheduled.rateCentihertz) / 100
            if !counted.isEmpty {
                let total: Double = counted.reduce(0) { $0 + Double($1.rateCentihertz) }
                rate = total / 100 / Double(counted.count)
            }
            var speed = 0.0
            if let previous, scheduled.hopEnd > scheduled.start {
                let dx = scheduled.xMM - previous.xMM
                let dy = scheduled.yMM - previous.yMM
                let distance = (dx * dx + dy * dy).squareRoot()
                speed = distance / (Double(scheduled.hopEnd - scheduled.start) / 1e6)
            }
            record.timeline.append(
                SessionRecord.TimelineSample(
                    timeS: axisSeconds(scheduled.start), strokeRateHz: rate,
                    hangMM: Double(scheduled.localHangMicrometres) / 1000, speedMMPerS: speed))
            let from = min(previous?.end ?? scheduled.start, scheduled.start)
            let seconds = Double(scheduled.end - from) / 1e6
            if let slot = times.firstIndex(where: { $0.name == item.dot.region }) {
                times[slot].seconds += seconds
            } else {
                times.append((item.dot.region, seconds))
            }
        }
        for dot in record.dots where !times.contains(where: { $0.name == dot.region }) { times.append((dot.region, 0)) }
        regionTimes = times
        record.events = runner.sessions.flatMap(\.eventLog).map {
            SessionRecord.Event($0, origin: origin, hostOrigin: hostOrigin)
        }
        self.record = record
    }

    /// The deposit-depth figures over the record's measured dots; nil when none was measured.
    public var depth: (p05: Double, mean: Double, p95: Double, deep: Int, shallow: Int)? {
        let depths = record.measuredDepths()
        guard !depths.isEmpty else { return nil }
        return (
            DepthStatistics.percentile(depths, 0.05), DepthStatistics.mean(depths),
            DepthStatistics.percentile(depths, 0.95), record.dots.count { $0.band == .deep },
            record.dots.count { $0.band == .shallow }
        )
    }

    /// The per-region rows of the summary and the report's table.
    public var regions: [ReportSummary.Region] {
        regionTimes.map { name, seconds in
            let depths = record.measuredDepths(region: name)
            let dots = record.dots.filter { $0.region == name }
            let measured = !depths.isEmpty
            return ReportSummary.Region(
                name: name, dots: dots.count, timeS: seconds,
                depthP05MM: measured ? DepthStatistics.percentile(depths, 0.05) : nil,
                meanDepthMM: measured ? DepthStatistics.mean(depths) : nil,
                depthP95MM: measured ? DepthStatistics.percentile(depths, 0.95) : nil,
                deep: measured ? dots.count { $0.band == .deep } : nil,
                shallow: measured ? dots.count { $0.band == .shallow } : nil)
        }
    }
}

/// A done dot with what the host knows of its execution: its schedule entry and stroke reports (none for a dot done
/// in an earlier invocation of the run).
private struct ExecutedDotFacts {
    var dot: SessionRecord.ExecutedDot
    var scheduled: ScheduledDot?
    var strokes: [StrokeSample]
}

extension SessionRecord.Event {
    /// A controller event as the report shows it: its board time on the timeline's axis (seconds from `origin`, the
    /// first dot's schedule start), its host time in seconds from `hostOrigin` (the clock of `session_time_s`).
    public init(_ logged: SessionController.Event, origin: UInt64, hostOrigin: UInt64 = 0) {
        let kind: Kind =
            switch logged.kind {
            case .hold: .hold
            case .resume: .resume
            case .emergencyStop: .emergencyStop
            case .fault: .fault
            case .linkLost: .linkLost
            case .boardRestarted: .boardRestarted
            case .operatorStep(let step):
                switch step.kind {
                case .cartridge: .cartridge
                case .pigment: .pigment
                }
            }
        self.init(
            timeS: logged.boardMicros.map { (Double($0) - Double(origin)) / 1e6 },
            sessionTimeS: Double(logged.hostMicros &- min(hostOrigin, logged.hostMicros)) / 1e6, kind: kind,
            detail: logged.kind.description)
    }
}
