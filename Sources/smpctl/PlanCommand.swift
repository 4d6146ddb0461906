import ArgumentParser
import Foundation
import SMPHardware
import SMPMotion
import SMPPlanning

/// `smpctl plan PLAN`: dots and visiting order, with counts, travel and an estimated session time.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Generate the dots of a treatment plan and their visiting order.",
        discussion: """
            Reads a smpctl-plan/1 file (Docs/PlanFormat.md), generates every session's dots, orders the dots of \
            the plan's session by needle and travel, and prints counts per region and session, travel length and \
            an estimated session time. --out writes the ordered dots (smpctl-dots/1); it is written only when \
            everything succeeded. For a later session, pass each earlier session's dots file with --previous: \
            the plan must regenerate exactly those dots (same generator, seed and plan), or the new dots would \
            not fit around the needled ones. Bad input exits 65 naming the file, JSON path or SVG element and the \
            reason; a plan, board or dots file that is missing or not a readable regular file exits 66, and an \
            --out that cannot be created (missing directory, a device, FIFO, directory or link) exits 73, both \
            before any work. --out - writes the dots to stdout and the summary to stderr.
            """
    )

    @Argument(help: "The plan file (JSON, format smpctl-plan/1).")
    var plan: String

    @Option(
        name: .long,
        help: "Write the ordered dots of this session here (JSON, smpctl-dots/1); - for stdout.")
    var out: String?

    @Option(name: .long, help: "Board definition file; overrides the plan's \"board\" (default: smp-driver-r1).")
    var board: String?

    @Option(
        name: .long,
        help: "An earlier session's dots file (smpctl-dots/1); the plan must regenerate exactly its dots. Repeatable."
    )
    var previous: [String] = []

    @Flag(name: .long, help: "Print a JSON summary on stdout instead of text.")
    var json = false

    func run() throws {
        try CommandFiles.checkInput(plan, expected: "a plan file (smpctl-plan/1 JSON)")
        if let board { try CommandFiles.checkInput(board, expected: "a board definition (JSON)") }
        for path in previous { try CommandFiles.checkInput(path, expected: "a dots file (smpctl-dots/1 JSON)") }
        if let out { try CommandFiles.checkOutput(out) }
        let result: PlanResult
        do {
            var boardDefinition: BoardDefinition?
            if let board {
                do {
                    boardDefinition = try BoardDefinition.load(from: board)
                } catch {
                    throw CommandFailure(hardware: error)
                }
            }
            let loaded = try PlanLoader.load(
                contentsOf: URL(fileURLWithPath: plan), displayName: plan, board: boardDefinition)
            result = try Planner.run(loaded)
            var checked: Set<Int> = []
            for path in previous {
                let data = try CommandFiles.readInput(
                    path, expected: "a dots file (smpctl-dots/1 JSON)", limit: Self.maximumDotsFileBytes)
                checked.insert(try PreviousSession.verify(data, file: path, against: result))
            }
            if let warning = PreviousSession.uncheckedWarning(session: result.plan.session, checked: checked) {
                Output.diagnostic("smpctl: warning: \(warning)")
            }
        } catch let error as PlanError {
            throw CommandFailure(.dataError, error.description)
        }
        let schedule: MotionSchedule
        do {
            schedule = try MotionSchedule.forPlan(result)
        } catch {
            throw CommandFailure(.dataError, "\(plan): \(error.description)")
        }
        if result.orderingStoppedByClock {
            Output.diagnostic(
                "smpctl: warning: ordering hit its wall-clock safety cutoff; the order is valid but may differ between runs"
            )
        }
        if let out {
            try CommandFiles.write(
                Array(DotsDocument.render(result, estimatedSeconds: schedule.durationSeconds).utf8), to: out)
        }
        let summary = PlanSummary(result, schedule: schedule, dotsFile: out)
        // With --out -, the dots are stdout; the summary goes to stderr so that the two do not mix.
        let summaryOnStderr = CommandFiles.isStandardOutput(out)
        if json {
            try Output.json(summary, toStandardError: summaryOnStderr)
        } else {
            for line in summary.text() {
                if summaryOnStderr { Output.diagnostic(line) } else { Output.line(line) }
            }
        }
    }

    /// The largest --previous file read: a million dots at about 120 bytes each, with room to spare.
    static let maximumDotsFileBytes = 256 << 20
}

/// The `--json` summary (keys become snake_case) and the text report.
struct PlanSummary: Encodable {
    struct Region: Encodable {
        var name: String
        var kind: String
        var needle: String
        var profile: String
        var densityPerCm2: Double
        var dotsPerSession: [Int]
        var dotsTotal: Int
    }

    var plan: String
    var board: String
    var seed: UInt64
    var session: Int
    var sessions: Int
    var sessionFractions: [Double]
    var regions: [Region]
    var dotsThisSession: Int
    var dotsAllSessions: Int
    var travelMm: Double
    var needleChanges: Int
    /// SMPMotion's schedule of the session: its duration and where the time goes (the parts add up to it).
    var estimatedSeconds: Double
    var travelSeconds: Double
    var dipSeconds: Double
    var strokeSeconds: Double
    var phaseLockSeconds: Double
    var motorWaitSeconds: Double
    var cartridgeChangeSeconds: Double
    var dotsPerSecond: Double
    /// The least time for the same order and lift at the board's limits (KinematicBound): X/Y only while Z rests,
    /// as the board executes, and with the hops hidden under Z motion above the surface.
    var kinematicBoundSeconds: Double
    var overlapBoundSeconds: Double
    var dotsFile: String?

    init(_ result: PlanResult, schedule: MotionSchedule, dotsFile: String?) {
        let plan = result.plan
        self.plan = plan.file
        board = plan.board.model
        seed = plan.seed
        session = plan.session.index
        sessions = plan.session.count
        sessionFractions = plan.session.fractions
        regions = plan.regions.enumerated().map { i, r in
            Region(
                name: r.name, kind: r.kind.rawValue, needle: r.needle.name, profile: r.profile.name,
                densityPerCm2: (r.densityPerCM2 * 100).rounded() / 100, dotsPerSession: result.counts[i],
                dotsTotal: result.counts[i].reduce(0, +))
        }
        dotsThisSession = result.sessionDots.count
        dotsAllSessions = result.allDots.count
        travelMm = (result.travelMM * 1000).rounded() / 1000
        needleChanges = result.needleChanges
        func tenths(_ seconds: Double) -> Double { (seconds * 10).rounded() / 10 }
        let time = schedule.breakdown
        estimatedSeconds = tenths(schedule.durationSeconds)
        travelSeconds = tenths(time.hopSeconds)
        dipSeconds = tenths(time.dipSeconds)
        strokeSeconds = tenths(time.strokeSeconds)
        phaseLockSeconds = tenths(time.phaseLockSeconds)
        motorWaitSeconds = tenths(time.motorWaitSeconds)
        cartridgeChangeSeconds = tenths(time.cartridgeChangeSeconds)
        dotsPerSecond = (schedule.dotsPerSecond * 100).rounded() / 100
        let bound = KinematicBound(schedule)
        kinematicBoundSeconds = tenths(bound.sequentialSeconds)
        overlapBoundSeconds = tenths(bound.overlappedSeconds)
        self.dotsFile = dotsFile
    }

    func text() -> [String] {
        var lines: [String] = []
        lines.append("plan \(plan) on \(board), seed \(seed), session \(session) of \(sessions)")
        let header = (1...sessions).map { "s\($0)" }
        lines.append(
            "  " + pad("region", 18) + pad("kind", 10) + pad("needle", 7) + pad("profile", 17)
                + header.map { pad($0, 8) }.joined() + "total")
        for r in regions {
            lines.append(
                "  " + pad(r.name, 18) + pad(r.kind, 10) + pad(r.needle, 7) + pad(r.profile, 17)
                    + r.dotsPerSession.map { pad(String($0), 8) }.joined() + String(r.dotsTotal))
        }
        lines.append("dots this session: \(dotsThisSession) (all sessions: \(dotsAllSessions))")
        lines.append("travel: \(String(format: "%.1f", travelMm)) mm, needle changes: \(needleChanges)")
        lines.append(
            "estimated session time: \(duration(estimatedSeconds)) (travel \(duration(travelSeconds)), Z dips \(duration(dipSeconds)), strokes \(duration(strokeSeconds)), phase lock \(duration(phaseLockSeconds)), motor \(duration(motorWaitSeconds)), cartridge changes \(duration(cartridgeChangeSeconds)))"
        )
        lines.append(
            "\(String(format: "%.2f", dotsPerSecond)) dots/s; kinematic bound \(duration(kinematicBoundSeconds)) in the board's order (\(String(format: "%.3f", estimatedSeconds / max(kinematicBoundSeconds, 1e-9)))x), \(duration(overlapBoundSeconds)) with hops under Z motion"
        )
        if let dotsFile {
            lines.append(
                CommandFiles.isStandardOutput(dotsFile) ? "wrote the dots to standard output" : "wrote \(dotsFile)")
        }
        return lines
    }

    private func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }

    private func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let h = total / 3600
        let m = (total % 3600) / 60
        let s = total % 60
        return h > 0
            ? "\(h)h\(String(format: "%02d", m))m\(String(format: "%02d", s))s" : "\(m)m\(String(format: "%02d", s))s"
    }
}
