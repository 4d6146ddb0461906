import ArgumentParser
import Foundation
import SMPHardware
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
            reason.
            """
    )

    @Argument(help: "The plan file (JSON, format smpctl-plan/1).")
    var plan: String

    @Option(name: .long, help: "Write the ordered dots of this session here (JSON, smpctl-dots/1).")
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
            for path in previous {
                let data: Data
                do {
                    data = try Data(contentsOf: URL(fileURLWithPath: path))
                } catch {
                    throw PlanError(file: path, location: "", reason: "cannot be read (\(error.localizedDescription))")
                }
                try PreviousSession.verify(data, file: path, against: result)
            }
        } catch let error as PlanError {
            throw CommandFailure(.dataError, error.description)
        }
        if result.orderingStoppedByClock {
            Output.diagnostic(
                "smpctl: warning: ordering hit its wall-clock safety cutoff; the order is valid but may differ between runs"
            )
        }
        if let out {
            try writeAtomically(DotsDocument.render(result), to: out)
        }
        let summary = PlanSummary(result, dotsFile: out)
        if json {
            try Output.json(summary)
        } else {
            for line in summary.text() { Output.line(line) }
        }
    }

    /// Temp file in the same directory, then rename: a reader never sees half a file, and a failure leaves none.
    private func writeAtomically(_ text: String, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
        do {
            try Data(text.utf8).write(to: temporary, options: [.withoutOverwriting])
            // rename(2) replaces an existing file atomically (FileManager.replaceItemAt is not reliable on Linux).
            guard rename(temporary.path, url.path) == 0 else {
                throw CocoaError(
                    .fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: String(cString: strerror(errno))])
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw CommandFailure(.ioError, "\(path): cannot write (\(error.localizedDescription))")
        }
    }
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
    var estimatedSeconds: Double
    var travelSeconds: Double
    var dipSeconds: Double
    var strokeSeconds: Double
    var cartridgeChangeSeconds: Double
    var dotsFile: String?

    init(_ result: PlanResult, dotsFile: String?) {
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
        estimatedSeconds = (result.time.totalSeconds * 10).rounded() / 10
        travelSeconds = (result.time.travelSeconds * 10).rounded() / 10
        dipSeconds = (result.time.dipSeconds * 10).rounded() / 10
        strokeSeconds = (result.time.strokeSeconds * 10).rounded() / 10
        cartridgeChangeSeconds = result.time.cartridgeChangeSeconds
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
            "estimated session time: \(duration(estimatedSeconds)) (travel \(duration(travelSeconds)), Z dips \(duration(dipSeconds)), strokes \(duration(strokeSeconds)), cartridge changes \(duration(cartridgeChangeSeconds)))"
        )
        if let dotsFile { lines.append("wrote \(dotsFile)") }
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
