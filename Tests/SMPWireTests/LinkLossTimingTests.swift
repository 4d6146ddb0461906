import SMPWireTesting
import Testing

@testable import SMPWire

/// The heartbeat scheme of Docs/Protocol.md §9: the host beats every 40 ms, an armed board asks for a beat from half
/// its watchdog of silence on, the host answers at once, and the host gives a silent board 1 s.
@Suite("Link-loss timing")
struct LinkLossTimingTests {
    static func connectedPair(_ impairments: VirtualLink.Impairments = .none, seed: UInt64 = 1) throws -> SessionPair {
        var pair = SessionPair(
            boardIdentity: Samples.boardHello,
            hostToBoard: VirtualLink(impairments: impairments, seed: seed),
            boardToHost: VirtualLink(impairments: impairments, seed: seed &+ 1000))
        let connected = pair.connect()
        try #require(connected)
        return pair
    }

    @Test("an armed board asks for a beat after half the watchdog of silence and every 10 ms after; a safe one never")
    func beatRequests() throws {
        for armed in [true, false] {
            var pair = try Self.connectedPair()
            pair.board.watchdogArmed = armed
            let heard = try #require(pair.board.lastHeardAt)
            // The host falls silent: only the board is polled from here on.
            var requestTimes: [UInt64] = []
            for time in stride(from: heard, through: heard + 95_000, by: 250) {
                let before = pair.board.statistics.beatRequestsSent
                let (bytes, _) = pair.board.poll(now: time)
                if pair.board.statistics.beatRequestsSent > before {
                    #expect(bytes == [FramingByte.heartbeat])
                    requestTimes.append(time - heard)
                }
            }
            #expect(requestTimes == (armed ? [50_000, 60_000, 70_000, 80_000, 90_000] : []))
        }
    }

    @Test("anything heard ends the requests: the next silence starts again at half the watchdog")
    func requestsRestartAfterHearing() throws {
        var pair = try Self.connectedPair()
        pair.board.watchdogArmed = true
        let heard = try #require(pair.board.lastHeardAt)
        _ = pair.board.poll(now: heard + 50_000)
        #expect(pair.board.statistics.beatRequestsSent == 1)
        _ = pair.board.receive([FramingByte.heartbeat], now: heard + 52_000)
        _ = pair.board.poll(now: heard + 62_000)
        #expect(pair.board.statistics.beatRequestsSent == 1)
        _ = pair.board.poll(now: heard + 102_000)
        #expect(pair.board.statistics.beatRequestsSent == 2)
    }

    @Test("the host answers a board heartbeat at once after 5 ms of its own quiet, and not sooner")
    func hostAnswers() throws {
        var pair = try Self.connectedPair()
        var time = pair.now
        // Find a moment the host just wrote something.
        while pair.host.poll(now: time).bytes.isEmpty { time += 1_000 }
        #expect(pair.host.receive([FramingByte.heartbeat], now: time + 1_000).isEmpty)
        #expect(pair.host.nextDeadline != 0)
        #expect(pair.host.poll(now: time + 1_000).bytes.isEmpty)
        _ = pair.host.receive([FramingByte.heartbeat], now: time + 6_000)
        #expect(pair.host.nextDeadline == 0)
        #expect(pair.host.poll(now: time + 6_000).bytes == [FramingByte.heartbeat])
        #expect(pair.host.statistics.heartbeatAnswersSent == 1)
    }

    @Test("the board's own beat, 100 ms after the last thing heard from it, is not taken for a beat request")
    func regularBeatsUnanswered() throws {
        var pair = try Self.connectedPair()
        var time = pair.now
        _ = pair.host.receive([FramingByte.heartbeat], now: time)
        while pair.host.poll(now: time).bytes.isEmpty { time += 1_000 }
        _ = pair.host.receive([FramingByte.heartbeat], now: time + 10_000)
        #expect(pair.host.poll(now: time + 10_000).bytes == [FramingByte.heartbeat])
        _ = pair.host.receive([FramingByte.heartbeat], now: time + 110_000)
        #expect(pair.host.nextDeadline != 0)
        #expect(pair.host.statistics.heartbeatAnswersSent == 1)
    }

    @Test("the host declares a silent board lost after 1 s of silence, not before")
    func hostGivesUpOnSilence() throws {
        var pair = try Self.connectedPair()
        let heard = try #require(pair.host.lastHeardAt)
        var failedAt: UInt64?
        for time in stride(from: heard, through: heard + 1_200_000, by: 1_000) {
            let (_, events) = pair.host.poll(now: time)
            if events.contains(.linkFailed(.peerSilent(microseconds: time - heard))) {
                failedAt = time
                break
            }
        }
        #expect(failedAt == heard + 1_000_000)
        #expect(!pair.host.isEstablished)
    }

    /// An armed, otherwise idle session over `impairments` for `duration`: the longest host silence the board saw and
    /// whether the host stayed connected.
    static func idleArmedSession(
        _ impairments: VirtualLink.Impairments, duration: UInt64, seed: UInt64
    ) throws -> (longestSilence: UInt64, hostEstablished: Bool, lost: UInt64, requests: UInt64) {
        var pair = try connectedPair(impairments, seed: seed)
        pair.board.watchdogArmed = true
        pair.run(until: pair.now + duration)
        let failures = pair.hostEvents.filter { if case .linkFailed = $0 { true } else { false } }
        #expect(failures.isEmpty)
        return (
            pair.board.statistics.longestPeerSilence, pair.host.isEstablished,
            pair.hostToBoard.counters.lost + pair.boardToHost.counters.lost, pair.board.statistics.beatRequestsSent
        )
    }

    @Test("2,000 s at 1e-3 frame loss and 1e-4 corruption: the host never falls silent for a watchdog, nor gives up")
    func longSessionAtTestedFaultRates() throws {
        let result = try Self.idleArmedSession(
            VirtualLink.Impairments(frameLoss: 1e-3, frameCorruption: 1e-4), duration: 2_000_000_000, seed: 7)
        try #require(result.lost > 50)
        #expect(result.requests > 0)
        #expect(result.hostEstablished)
        #expect(result.longestSilence < 70_000)
    }

    @Test("60 s at 5 % frame loss: still no watchdog silence and no lost link")
    func sixtySecondsAtFivePercent() throws {
        let result = try Self.idleArmedSession(
            VirtualLink.Impairments(frameLoss: 0.05), duration: 60_000_000, seed: 3)
        try #require(result.lost > 50)
        #expect(result.hostEstablished)
        #expect(result.longestSilence < 100_000)
    }
}
