import Benchmark
import Foundation
import SMPJournal

/// A journal in a fresh directory on the machine's disk (the system temporary directory is on the root file
/// system here, not tmpfs, so `fdatasync` reaches the device), with the next wire id to use.
final class JournalFixture: @unchecked Sendable {
    let directory: String
    let journal: Journal
    var nextWire: UInt32 = 1

    init() throws {
        directory = FileManager.default.temporaryDirectory.path + "/journal-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        journal = try Journal.create(
            at: directory + "/DOTS.journal", plan: PlanHash.of(dotsFileContent: Array("bench".utf8)),
            board: BoardIdentity(model: "smp-driver-r1", serialNumber: "BENCH", protocolVersion: 2),
            hostSoftware: "bench")
    }

    /// One train: the intents in one append, then their completions in one append, as `smpctl run` records them.
    func train(_ size: Int) throws {
        let intents = (0..<size).map { index in
            DotIntent(wireDot: nextWire + UInt32(index), planDot: nextWire + UInt32(index), strokes: 4)
        }
        nextWire += UInt32(size)
        try journal.appendIntents(intents)
        try journal.appendOutcomes(
            intents.map { DotReport(wireDot: $0.wireDot, outcome: .completed, deliveredStrokes: 4) })
    }

    func remove() {
        journal.close()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

nonisolated(unsafe) var fixture: JournalFixture?

let benchmarks: @Sendable () -> Void = {
    for trainSize in [1, 16, 64] {
        Benchmark(
            "journal train of \(trainSize) dots: intents append + outcomes append (2 fdatasync)",
            configuration: .init(
                metrics: [.wallClock, .cpuTotal, .throughput],
                timeUnits: .microseconds,
                maxDuration: .seconds(10),
                maxIterations: 2_000
            )
        ) { benchmark in
            for _ in benchmark.scaledIterations {
                do { try fixture?.train(trainSize) } catch { benchmark.error("\(error)") }
            }
        } setup: {
            fixture = try JournalFixture()
        } teardown: {
            fixture?.remove()
            fixture = nil
        }
    }

    Benchmark(
        "journal resume: open and reconcile a 10,000-dot journal (20,001 records)",
        configuration: .init(
            metrics: [.wallClock, .cpuTotal],
            timeUnits: .milliseconds,
            maxDuration: .seconds(10),
            maxIterations: 50
        )
    ) { benchmark in
        guard let fixture else { return }
        let path = fixture.journal.path
        let plan = fixture.journal.state.header.plan
        fixture.journal.close()
        for _ in benchmark.scaledIterations {
            do {
                let resumed = try Journal.resume(at: path, plan: plan)
                blackHole(resumed.state.highestWireDot)
                resumed.close()
            } catch {
                benchmark.error("\(error)")
            }
        }
    } setup: {
        let made = try JournalFixture()
        for _ in 0..<(10_000 / 64) { try made.train(64) }
        try made.train(10_000 % 64)
        fixture = made
    } teardown: {
        fixture?.remove()
        fixture = nil
    }
}
