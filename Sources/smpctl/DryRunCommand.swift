import ArgumentParser
import Foundation
import Logging
import SMPBoardSim
import SMPCalibration
import SMPDryRun
import SMPPlanning
import SMPReport

/// `smpctl dry-run PLAN`: the whole session against the in-process simulated board in virtual time.
struct DryRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dry-run",
        abstract: "Run a plan's session against the simulated board in virtual time and grade it.",
        discussion: """
            Plans the session, then runs the real controller against the simulated board over wire bytes only, \
            in virtual time: clock sync, surface probing (touch-off grid over the plan's area), the dots streamed \
            ahead of the board within its credit. Afterwards the run is graded against the simulator's truth \
            (which the controller never sees): dots done, depth on target / shallow / deep per region, faults, \
            timing. The patient is the default curved scalp with the board's crystal error and USB timing on.

            --report FILE.html writes the session as a picture: the treated area dot by dot coloured by deposit \
            depth (or at true scale in pigment on skin), depth histograms per region, a timeline of stroke rate, \
            hang and X/Y speed with the holds shaded and the faults, stops and operator steps marked, the list of \
            those events, and the per-region table; its numbers are those of --json. The \
            file is checked before the run and written atomically; it opens from disk in any browser.

            --hold-at SECONDS[+DURATION] (repeatable) simulates the operator pressing hold at SECONDS of session \
            time (from connecting; as soon after as the dots stream, since a hold is refused while probing) and \
            resume DURATION s later (default 5). Holds are shaded on the report's timeline and listed, with every \
            other event (stops, faults, lost links, restarts, cartridge and pigment changes), in the events list \
            of --json and the summary.

            --skin picks the simulated patient (fitzpatrick-1-3, fitzpatrick-4-6, thin, thick-oily, scar; default: \
            the profile of most of the session's dots); the profile's nominal values are used. --faults takes the simulator's \
            fault spec (see `smpctl sim --help`), e.g. "corrupt=1e-4,drop=1e-3,disconnect=30s+2s,reset=60s".

            Exit codes: 0 every dot done; 65 bad plan or a dot the host refuses (nothing sent); 69 the board \
            refused the session (another protocol version); 70 the session faulted (the summary says which dots \
            are done, uncertain or skipped, and why); 74 the report could not be written.
            """
    )

    @Argument(help: "The plan file (JSON, format smpctl-plan/1).")
    var plan: String

    @Option(name: .long, help: "Skin type of the simulated patient.")
    var skin: String?

    @Option(
        name: .long,
        help: "Client profile from `smpctl calibrate` (a file, or a saved profile's name): hang per region.")
    var profile: String?

    @Option(
        name: .long, parsing: .unconditional,
        help: "Seed for the patient, the board's crystal, sensor noise and faults (0-2^64-1).")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Faults to inject (the simulator's fault spec).")
    var faults = ""

    @Option(
        name: .customLong("hold-at"),
        help: ArgumentHelp(
            "Simulate the operator pressing hold at SECONDS of session time and resume DURATION s later "
                + "(default 5); repeatable.", valueName: "SECONDS[+DURATION]"))
    var holdAt: [String] = []

    @Flag(name: .long, help: "Print the summary as one JSON document on stdout.")
    var json = false

    @Option(name: .long, help: "Write the session report (one self-contained HTML file) here.")
    var report: String?

    @Flag(name: .long, help: "Log the controller's transitions on stderr.")
    var verbose = false

    /// Usage errors as one line (exit 64), and the report's path checked before the run rather than after it.
    func checkUsage() throws -> [SimulatedHold] {
        if let report { try CommandFiles.checkOutput(report) }
        if let skin, SkinType(rawValue: skin) == nil {
            throw CommandFailure(
                .usage,
                "--skin: unknown skin type \"\(skin)\"; expected one of "
                    + SkinType.allCases.map(\.rawValue).joined(separator: ", "))
        }
        do {
            return try holdAt.map { text throws(DryRunError) in try SimulatedHold(parsing: text) }
        } catch {
            throw CommandFailure(.usage, "--hold-at \(error.message)")
        }
    }

    func run() throws {
        let holds = try checkUsage()
        let result = try CommandFiles.plannedSession(plan)
        // The patient defaults to the skin of most of the session's dots (one skin type per simulated head).
        var dotsPerProfile: [String: Int] = [:]
        for dot in result.sessionDots {
            dotsPerProfile[result.plan.regions[dot.regionIndex].profile.name, default: 0] += 1
        }
        let profileSkin = dotsPerProfile.max { $0.value < $1.value }.flatMap { SkinType(rawValue: $0.key) }
        let skinType = skin.flatMap(SkinType.init(rawValue:)) ?? profileSkin ?? .fitzpatrick1to3
        var options = DryRunOptions(skin: skinType)
        options.seed = seed
        options.faults = faults
        options.holds = holds
        if let profile {
            let path =
                profile.hasSuffix(".json") || profile.contains("/")
                ? profile : ProfileStore.directory() + "/\(profile).json"
            do {
                let loaded = try ClientProfile.load(from: path, board: options.board, handpiece: options.handpiece)
                if skin == nil, let calibrated = SkinType(rawValue: loaded.skinType) { options.skin = calibrated }
                options.hangByRegion = loaded.hangByRegion
                options.cartridgeName = loaded.cartridge
                options.probeSpacingMicrometres = Int64(loaded.mesh.spacingMicrometres)
            } catch {
                throw CommandFailure(.dataError, error.message)
            }
        }
        var logger = Logger(label: "smpctl.control") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = verbose ? .info : .error
        options.logger = logger
        var bar = Output.stderrIsTerminal ? ProgressReporter(label: "dry run", total: 100) : nil
        var lastLine = -1
        let report: DryRunReport
        do {
            report = try DryRun.run(result, options: options) { progress in
                let fraction =
                    progress.dotsPlanned > 0 ? progress.dotsSettled * 100 / progress.dotsPlanned : 0
                if bar != nil {
                    bar!.update(fraction)
                } else if fraction / 25 != lastLine / 25 {
                    lastLine = fraction
                    Output.diagnostic(
                        "dry run: \(progress.phase), \(progress.dotsSettled)/\(progress.dotsPlanned) dots, "
                            + "\(Int(progress.virtualSeconds)) s")
                }
            }
        } catch let error as DryRunError {
            switch error.kind {
            case .badInput: throw CommandFailure(.dataError, error.message)
            case .refusedByBoard: throw CommandFailure(.unavailable, error.message)
            }
        }
        var printed = report
        printed.plan = plan
        let pressed = report.events.count { $0.kind == .hold }
        if pressed < holds.count {
            Output.diagnostic(
                "--hold-at: \(holds.count - pressed) of \(holds.count) holds were not pressed: the dots were not "
                    + "streaming at or after their time")
        }
        if let reportFile = self.report {
            var record = printed.record
            record.planFile = plan
            let html = HTMLReport.render(record, summary: printed.summary)
            try CommandFiles.write(Array(html.utf8), to: reportFile)
            if !json { Output.diagnostic("report written to \(reportFile)") }
        }
        if json {
            try Output.json(printed)
        } else {
            for line in DryRunSummary.lines(printed) { Output.line(line) }
        }
        if !printed.outcome.hasPrefix("finished") {
            throw CommandFailure(.software, "session \(printed.outcome)")
        }
        if printed.dotsDone < printed.dotsPlanned {
            throw CommandFailure(
                .software,
                "session \(printed.outcome), but \(printed.dotsPlanned - printed.dotsDone) of \(printed.dotsPlanned) "
                    + "dots are not done (\(printed.dotsUncertain) uncertain, \(printed.dotsSkipped) skipped)")
        }
    }
}

/// The human summary, as a practitioner reads it.
enum DryRunSummary {
    static func lines(_ report: DryRunReport) -> [String] {
        func fixed(_ value: Double, _ decimals: Int) -> String { String(format: "%.\(decimals)f", value) }
        func duration(_ seconds: Double) -> String {
            let total = Int(seconds.rounded())
            return total >= 60 ? "\(total / 60) min \(total % 60) s" : "\(fixed(seconds, 1)) s"
        }
        var lines = [
            "dry run of \(report.plan): \(report.skin) skin, \(report.surface) scalp, seed \(report.seed)"
                + (report.faultSpec.isEmpty ? "" : ", faults \(report.faultSpec)"),
            "session   \(duration(report.sessionTimeS)) in the chair: probing \(duration(report.probingTimeS)) "
                + "(\(report.touchOffs) touch-offs), needling \(duration(report.machineTimeS)) "
                + "(estimate \(duration(report.estimatedTimeS)))",
            "dots      \(report.dotsDone) of \(report.dotsPlanned) done, \(report.dotsUncertain) uncertain, "
                + "\(report.dotsSkipped) skipped, \(report.dotsDuplicated) duplicated; \(fixed(report.dotsPerSecond, 2)) "
                + "dots/s (kinematic bound \(fixed(report.kinematicBoundDotsPerSecond, 2)))",
            "depth     target \(fixed(report.depthMM.target, 2)) mm, mean \(fixed(report.depthMM.mean, 2)), 5-95 % "
                + "\(fixed(report.depthMM.p05, 2))-\(fixed(report.depthMM.p95, 2)), error p95 "
                + "\(fixed(report.depthMM.absErrorP95, 2)) mm; \(report.blowouts) too deep, \(report.shallow) too shallow",
        ]
        for region in report.regions {
            let share = region.dots > 0 ? Double(region.onTarget) * 100 / Double(region.dots) : 0
            lines.append(
                "  \(region.name): \(region.dots) dots, \(fixed(share, 1)) % on target, \(region.shallow) shallow, "
                    + "\(region.deep) deep, mean \(fixed(region.meanDepthMM, 2)) mm")
        }
        lines.append(
            "timing    \(report.lateCommands) late commands, stroke rate within \(fixed(report.strokeRateErrorMaxPct, 2)) %, "
                + "clock sync within \(fixed(report.clockSyncErrorMaxUs, 0)) us, travel \(fixed(report.travelMM / 1000, 2)) m"
        )
        lines.append(
            "wire      \(fixed(report.wireBytesPerDot.hostToBoard, 1)) B/dot to the board, "
                + "\(fixed(report.wireBytesPerDot.boardToHost, 1)) B/dot back; simulated \(fixed(report.simSpeedup, 0))x real time"
        )
        if !report.events.isEmpty {
            lines.append("events    \(report.events.count):")
            for event in report.events {
                let time = event.timeS.map { "\(fixed($0, 2)) s" } ?? "before clock sync"
                lines.append(
                    "  \(time) (in the chair \(fixed(event.sessionTimeS, 2)) s) \(event.kind.rawValue): \(event.detail)"
                )
            }
        }
        if report.faults.isEmpty {
            lines.append("faults    none")
        } else {
            lines.append("faults    \(report.faults.count):")
            lines += report.faults.map { "  \($0)" }
        }
        let reasons = Dictionary(grouping: report.notDone, by: { "\($0.fate): \($0.reason)" })
        for (reason, dots) in reasons.sorted(by: { $0.value.count > $1.value.count }) {
            lines.append("  \(dots.count) dots \(reason)")
        }
        lines.append("outcome   \(report.outcome)")
        return lines
    }
}
