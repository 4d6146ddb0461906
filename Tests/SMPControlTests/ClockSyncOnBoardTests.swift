import Foundation
import SMPBoardSim
import SMPControl
import SMPHardware
import SMPWire
import Testing

/// ClockSync against the simulated board itself: its seeded crystal (within ±100 ppm, wandering, arbitrary epoch)
/// behind the USB-like link (1 ms frames, jitter, seeded stalls), sampled with status queries over wire bytes as the
/// controller will. The host's clock is the bench's true time.
@Suite struct ClockSyncOnBoardTests {
    @Test(arguments: [3, 8, 21] as [UInt64]) func boardClockWithinTheMargin(seed: UInt64) throws {
        let setup = SimulationSetup(board: .r1, skinType: .fitzpatrick1to3, surface: .flat, seed: seed)
        var bench = VirtualBench(setup: setup)
        var host = WireSession(configuration: SessionConfiguration(role: .host))
        host.connect(sessionID: 0x434C, hostSoftware: "smpcontrol-tests", now: bench.now)
        var sync = ClockSync()
        var queriedAt: UInt64?
        var nextQuery: UInt64 = 0
        var checks = 0
        var worstRatio = 0.0
        var margins: [Double] = []
        let end = bench.now + 120_000_000
        while bench.now < end {
            if host.isEstablished, queriedAt == nil, bench.now >= nextQuery {
                try host.send(.statusQuery, now: bench.now)
                queriedAt = bench.now
            }
            let (out, _) = host.poll(now: bench.now)
            if !out.isEmpty { bench.hostWrites(out) }
            let next =
                [bench.nextEventTime, host.nextDeadline, queriedAt == nil ? nextQuery : nil].compactMap { $0 }
                .map { max($0, bench.now + 1) }.min() ?? end
            let bytes = bench.run(until: min(next, end))
            guard !bytes.isEmpty else { continue }
            for event in host.receive(bytes, now: bench.now) {
                guard case .message(.status(let status)) = event, let sent = queriedAt else { continue }
                sync.add(ClockSample(status: status, sent: sent, received: bench.now))
                queriedAt = nil
                nextQuery = bench.now + 500_000
                guard sync.isSynchronised else { continue }
                for ahead in [0, 250_000, 1_000_000] as [UInt64] {
                    let at = bench.now + ahead
                    let truth = Double(bench.clock.boardTime(atTrueTime: at))
                    let error = abs(sync.boardTime(atHost: at) - truth)
                    let margin = sync.uncertainty(atHost: at)
                    #expect(error <= margin, "seed \(seed): error \(error) µs > margin \(margin) µs")
                    worstRatio = max(worstRatio, error / margin)
                    margins.append(margin)
                    checks += 1
                }
            }
        }
        try #require(checks > 500)
        let sorted = margins.sorted()
        #expect(sorted[sorted.count / 2] < 3_000, "median margin \(sorted[sorted.count / 2]) µs")
        #expect(abs(sync.rateErrorPPM - bench.clock.errorPPM(at: bench.now)) < 10)
    }
}
