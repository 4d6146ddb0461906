import SMPControl
import SMPJournal
import SMPReport
import SMPRun
import SMPWire

/// What `smpctl run` prints at the end: the dry run's keys where they apply, and where the journal is. A real run
/// has no truth to grade depth against: its depth figures are the estimate from the board's stroke reports through
/// the client profile (`depth_source` says which), or null without a profile.
struct RunSummary: Encodable {
    struct Depth: Encodable {
        var p05: Double
        var mean: Double
        var p95: Double
    }

    struct WireBytes: Encodable {
        var hostToBoard: Double
        var boardToHost: Double
    }

    struct NotDone: Encodable {
        var dotId: Int
        var fate: String
        var reason: String
    }

    var format = "smpctl-run/1"
    var plan = ""
    var port = ""
    var journal = ""
    var outcome: String
    var dotsPlanned: Int
    var dotsDone: Int
    var dotsUncertain: Int
    var dotsSkipped: Int
    var sessions: Int
    var reconnections: Int
    /// Host time from the first dot streamed to the last report, over the sessions that sent dots (s).
    var machineTimeS: Double
    var estimatedTimeS: Double
    var probingTimeS: Double
    var touchOffs: Int
    var dotsPerSecond: Double
    var travelMm: Double
    var lateCommands: Int
    var wireBytesPerDot: WireBytes
    var faults: [String]
    var notDone: [NotDone]
    /// Host time from the run's start (this invocation) to its end (s).
    var sessionTimeS: Double
    var depthSource: String
    var depthMm: Depth?
    var blowouts: Int?
    var shallow: Int?
    var regions: [ReportSummary.Region]
    var events: [SessionRecord.Event]

    init(
        runner: SessionRunner<SerialControllerTransport, Journal>, accounting: DotAccounting, operatorStopped: Bool,
        record: RunRecord, hostOrigin: UInt64
    ) {
        let statistics = runner.statistics
        let planned = max(1, runner.dots.count)
        if operatorStopped {
            outcome = "stopped by the operator"
        } else if let reason = runner.stopReason {
            outcome = "stopped: \(reason)"
        } else if accounting.done < runner.dots.count {
            outcome = "ended with \(runner.dots.count - accounting.done) dots not done"
        } else {
            outcome =
                statistics.reconnections > 0
                ? "finished after \(statistics.reconnections) reconnection\(statistics.reconnections == 1 ? "" : "s")"
                : "finished"
        }
        dotsPlanned = runner.dots.count
        dotsDone = accounting.done
        dotsUncertain = accounting.uncertain
        dotsSkipped = accounting.skipped
        sessions = runner.sessions.count
        reconnections = statistics.reconnections
        machineTimeS = statistics.streamingSeconds
        estimatedTimeS = statistics.estimatedSeconds
        probingTimeS = statistics.probingSeconds
        touchOffs = statistics.touchOffs
        dotsPerSecond = statistics.streamingSeconds > 0 ? Double(accounting.done) / statistics.streamingSeconds : 0
        travelMm = statistics.travelMM
        lateCommands =
            statistics.sentPastDeadline + statistics.faults.count { $0.hasPrefix(FaultCode.lateCommand.name) }
        wireBytesPerDot = WireBytes(
            hostToBoard: Double(runner.transport.bytesWritten) / Double(planned),
            boardToHost: Double(runner.transport.bytesRead) / Double(planned))
        faults = statistics.faults
        sessionTimeS = Double(runner.transport.now &- min(hostOrigin, runner.transport.now)) / 1e6
        depthSource = record.record.depthSource
        let depth = record.depth
        depthMm = depth.map { Depth(p05: $0.p05, mean: $0.mean, p95: $0.p95) }
        blowouts = depth?.deep
        shallow = depth?.shallow
        regions = record.regions
        events = record.record.events
        notDone = zip(runner.dots, accounting.fates).compactMap { dot, fate in
            switch fate {
            case .uncertain(let reason): NotDone(dotId: dot.motion.id, fate: "uncertain", reason: reason)
            case .skipped(let reason): NotDone(dotId: dot.motion.id, fate: "skipped", reason: reason)
            default: nil
            }
        }
    }

    /// The summary numbers of the HTML report: these very fields, so that report and `--json` agree.
    var reportSummary: ReportSummary {
        ReportSummary(
            outcome: outcome, sessionTimeS: sessionTimeS, machineTimeS: machineTimeS, estimatedTimeS: estimatedTimeS,
            probingTimeS: probingTimeS, dotsPlanned: dotsPlanned, dotsDone: dotsDone, dotsUncertain: dotsUncertain,
            dotsSkipped: dotsSkipped, depthP05MM: depthMm?.p05, depthMeanMM: depthMm?.mean, depthP95MM: depthMm?.p95,
            blowouts: blowouts, shallow: shallow, faults: faults, regions: regions)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(format, forKey: .format)
        try container.encode(plan, forKey: .plan)
        try container.encode(port, forKey: .port)
        try container.encode(journal, forKey: .journal)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(dotsPlanned, forKey: .dotsPlanned)
        try container.encode(dotsDone, forKey: .dotsDone)
        try container.encode(dotsUncertain, forKey: .dotsUncertain)
        try container.encode(dotsSkipped, forKey: .dotsSkipped)
        try container.encode(sessions, forKey: .sessions)
        try container.encode(reconnections, forKey: .reconnections)
        try container.encode(sessionTimeS, forKey: .sessionTimeS)
        try container.encode(machineTimeS, forKey: .machineTimeS)
        try container.encode(estimatedTimeS, forKey: .estimatedTimeS)
        try container.encode(probingTimeS, forKey: .probingTimeS)
        try container.encode(touchOffs, forKey: .touchOffs)
        try container.encode(dotsPerSecond, forKey: .dotsPerSecond)
        try container.encode(travelMm, forKey: .travelMm)
        try container.encode(lateCommands, forKey: .lateCommands)
        try container.encode(wireBytesPerDot, forKey: .wireBytesPerDot)
        try container.encode(depthSource, forKey: .depthSource)
        // Explicit nulls: a figure nothing measured is there, and null.
        try container.encode(depthMm, forKey: .depthMm)
        try container.encode(blowouts, forKey: .blowouts)
        try container.encode(shallow, forKey: .shallow)
        try container.encode(regions, forKey: .regions)
        try container.encode(events, forKey: .events)
        try container.encode(faults, forKey: .faults)
        try container.encode(notDone, forKey: .notDone)
    }

    enum CodingKeys: String, CodingKey {
        case format, plan, port, journal, outcome, dotsPlanned, dotsDone, dotsUncertain, dotsSkipped, sessions
        case reconnections, sessionTimeS, machineTimeS, estimatedTimeS, probingTimeS, touchOffs, dotsPerSecond
        case travelMm, lateCommands, wireBytesPerDot, depthSource, depthMm, blowouts, shallow, regions, events, faults
        case notDone
    }

    /// The human summary, as a practitioner reads it.
    var lines: [String] {
        func minutes(_ seconds: Double) -> String { "\(Int(seconds) / 60) min \(Int(seconds) % 60) s" }
        var result = [
            "run of \(plan) on \(port)",
            "session   needling \(minutes(machineTimeS)) (estimate \(minutes(estimatedTimeS))), probing "
                + "\(minutes(probingTimeS)) (\(touchOffs) touch-offs)",
            "dots      \(dotsDone) of \(dotsPlanned) done, \(dotsUncertain) uncertain, \(dotsSkipped) skipped; "
                + "\(String(format: "%.2f", dotsPerSecond)) dots/s",
            "timing    \(lateCommands) late commands; \(reconnections) reconnection\(reconnections == 1 ? "" : "s")",
        ]
        if let depthMm {
            result.append(
                "depth     estimated mean \(String(format: "%.2f", depthMm.mean)) mm, 5-95 % "
                    + "\(String(format: "%.2f", depthMm.p05))-\(String(format: "%.2f", depthMm.p95)); "
                    + "\(blowouts ?? 0) too deep, \(shallow ?? 0) too shallow (from the stroke reports and the profile)"
            )
        } else {
            result.append("depth     not measured (run with --profile to estimate it from the stroke reports)")
        }
        if faults.isEmpty {
            result.append("faults    none")
        } else {
            result.append("faults    \(faults.count):")
            result += faults.map { "  \($0)" }
        }
        for dot in notDone.prefix(20) { result.append("  dot \(dot.dotId): \(dot.fate): \(dot.reason)") }
        if notDone.count > 20 { result.append("  ... and \(notDone.count - 20) more (see --json)") }
        result.append("journal   \(journal)")
        result.append("outcome   \(outcome)")
        return result
    }
}
