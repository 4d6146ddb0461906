import SMPControl
import SMPJournal
import SMPRun
import SMPWire

/// What `smpctl run` prints at the end: the dry run's keys where they apply (a real run has no truth to grade
/// depth against), and where the journal is.
struct RunSummary: Encodable {
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

    init(
        runner: SessionRunner<SerialControllerTransport, Journal>, accounting: DotAccounting, operatorStopped: Bool
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
        notDone = zip(runner.dots, accounting.fates).compactMap { dot, fate in
            switch fate {
            case .uncertain(let reason): NotDone(dotId: dot.motion.id, fate: "uncertain", reason: reason)
            case .skipped(let reason): NotDone(dotId: dot.motion.id, fate: "skipped", reason: reason)
            default: nil
            }
        }
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
