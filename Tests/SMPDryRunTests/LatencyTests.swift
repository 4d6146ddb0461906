import SMPBoardSim
import SMPDryRun
import SMPHardware
import Testing

/// Issue 11's latencies and issue 12's host-loss target, asserted on a few seeds in virtual time and graded from the
/// simulator's truth (`needle_clearances`, the link's record of the lost frame). The distributions over many more
/// seeds are `LatencyBenchmarks` (Docs/Performance.md, "Hold latency, host loss, one lost frame").
@Suite("Hold and host-loss latency, one lost frame")
struct LatencyTests {
    /// The stages of a dot with the needle at or going to depth (Protocol.md §10.4).
    static let dipStages: Set<String> = ["dot.descending", "dot.stroking", "dot.awaitAscent"]
    static let worstBound = NeedleClearanceTruth.worstPhysicsBound(board: .r1, handpiece: .rotaryR1)

    static func setup(_ seed: UInt64, faults: String = "") throws -> SimulationSetup {
        try LatencyExperiment.setup(seed: seed, faults: faults)
    }

    /// The bound of one event: Z from its state when the board acted, at its limits, lifting the stroke bottom out
    /// of the skin; 10 µs for the record's rounding to whole microseconds.
    static func bound(of event: NeedleClearanceTruth) -> Double { event.physicsBound(board: .r1) + 10 }

    @Test("a hold clears the needle within the Z axis's physics bound wherever it catches the dot (32 seeds)")
    func holdClearsWithinPhysicsBound() throws {
        // Each seed holds 7.919 ms later in the session than the one before: the holds sweep the dot cycle.
        var holds: [NeedleClearanceTruth] = []
        for seed in UInt64(1)...32 {
            let hold = LatencyExperiment.hold(
                dots: LatencyExperiment.patch(count: 40, seed: seed), setup: try Self.setup(seed),
                after: 1_000_000 + seed * 7_919)
            holds.append(try #require(hold, "seed \(seed): the controller did not take the hold"))
        }
        // The holds really caught dips at depth (the stroke bottom deep in the skin), the needle in the skin at the
        // instant, and hops.
        try #require(holds.contains { Self.dipStages.contains($0.activity) && $0.strokeBottomDepthMM > 0.5 })
        try #require(holds.contains { $0.tipDepthMM > 0 })
        try #require(holds.contains { $0.activity == "dot.travel" || $0.activity == "dot.raise" })
        for (index, hold) in holds.enumerated() {
            let latency = try #require(hold.latencyMicros, "seed \(index + 1): the needle never cleared")
            #expect(hold.supersededBoardTimeMicros == nil)
            #expect(Double(latency) <= Self.bound(of: hold), "seed \(index + 1) \(hold.activity): \(latency) µs")
            #expect(Double(latency) <= Self.worstBound)
            if !hold.couldReachSkin(board: .r1) {
                #expect(latency == 0, "seed \(index + 1): out of reach, yet \(latency) µs")
            }
        }
    }

    @Test("a hold while probing clears the needle within the Z axis's bound, the touch-off held (12 seeds)")
    func holdWhileProbingClearsWithinPhysicsBound() throws {
        var holds: [NeedleClearanceTruth] = []
        for seed in UInt64(1)...12 {
            let hold = LatencyExperiment.hold(
                dots: LatencyExperiment.patch(count: 40, seed: seed), setup: try Self.setup(seed), phase: .probing,
                after: 1_500_000 + seed * 150_000)
            holds.append(try #require(hold, "seed \(seed): the controller did not take the hold"))
        }
        try #require(holds.allSatisfy { $0.activity.hasPrefix("touch_off") || $0.activity == "idle" })
        try #require(
            holds.contains { $0.activity == "touch_off.descend" || $0.activity == "touch_off.approach" },
            "\(holds.map(\.activity))")
        for (index, hold) in holds.enumerated() {
            let latency = try #require(hold.latencyMicros, "seed \(index + 1): the needle never cleared")
            #expect(Double(latency) <= Self.bound(of: hold), "seed \(index + 1) \(hold.activity): \(latency) µs")
        }
    }

    @Test("a host killed or unplugged has the needle clear within 150 ms of its last byte, board time (12 seeds)")
    func hostLossClearsWithin150Milliseconds() throws {
        // A third of the seeds lose the host while probing (touch-offs), the others while dots run, at seeded
        // points; odd seeds kill the process, even ones pull the cable.
        var trips: [NeedleClearanceTruth] = []
        for seed in UInt64(1)...12 {
            let probing = seed % 3 == 0
            let trip = LatencyExperiment.hostLoss(
                dots: LatencyExperiment.patch(count: 40, seed: seed), setup: try Self.setup(seed),
                phase: probing ? .probing : .streaming,
                after: probing ? 200_000 + seed * 9_973 : 1_000_000 + seed * 13_331,
                how: seed % 2 == 1 ? .killed : .cablePulled)
            trips.append(try #require(trip, "seed \(seed): no watchdog trip after the host was lost"))
        }
        try #require(trips.contains { Self.dipStages.contains($0.activity) && $0.strokeBottomDepthMM > 0.5 })
        try #require(trips.contains { $0.activity.hasPrefix("touch_off") })
        for (index, trip) in trips.enumerated() {
            let lastHeard = try #require(trip.hostLastHeardBoardTimeMicros)
            let clear = try #require(trip.clearBoardTimeMicros, "seed \(index + 1): the needle never cleared")
            // The watchdog trips 100 ms after the last byte, to the microsecond the board steps in.
            #expect(trip.boardTimeMicros >= lastHeard + 100_000 && trip.boardTimeMicros <= lastHeard + 100_001)
            #expect(Double(clear - trip.boardTimeMicros) <= Self.bound(of: trip), "seed \(index + 1)")
            #expect(clear - lastHeard <= 150_000, "seed \(index + 1) \(trip.activity): \(clear - lastHeard) µs")
        }
    }

    @Test(
        "one lost frame is delivered within a few retransmission timeouts and no dot becomes late",
        arguments: ["lose=dot_train#2", "lose=dot_train#3", "lose=completions#2", "lose=completions#4"])
    func oneLostFrame(spec: String) throws {
        let dots = LatencyExperiment.patch(count: 150, seed: 3)
        let outcome = LatencyExperiment.lostFrame(dots: dots, setup: try Self.setup(3, faults: spec))
        let loss = try #require(outcome.loss, "the session never sent the frame")
        let redelivered = try #require(loss.redeliveredAt, "the lost frame's content never arrived")
        #expect(outcome.finished && outcome.dotsDone == dots.count)
        #expect(outcome.sentPastDeadline == 0)
        #expect(outcome.boardFaults.isEmpty, "\(outcome.boardFaults)")
        // Resent once, by a NACK's fast retransmit (about a round trip) or the sender's timeout (at least 4 ms).
        let extra = try #require(outcome.extraDelayMicros)
        #expect(redelivered > loss.dueAt)
        #expect(extra <= 3 * max(outcome.senderRetransmissionTimeoutMicros, 4_000), "\(extra) µs")
    }
}
