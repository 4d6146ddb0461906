import SMPWireTesting
import Testing

@testable import SMPWire

@Suite("Reliable session over an impaired link, in virtual time")
struct WireSessionTests {
    static func pair(
        _ impairments: VirtualLink.Impairments = .none, seed: UInt64 = 1, boardSchema: UInt32 = WireSchema.hash
    ) -> SessionPair {
        var pair = SessionPair(
            boardIdentity: Samples.boardHello,
            hostToBoard: VirtualLink(impairments: impairments, seed: seed),
            boardToHost: VirtualLink(impairments: impairments, seed: seed &+ 1000))
        if boardSchema != WireSchema.hash {
            pair.board = WireSession(
                configuration: SessionConfiguration(role: .board), boardIdentity: Samples.boardHello,
                schemaHash: boardSchema)
        }
        return pair
    }

    static func delivered(_ events: [SessionEvent]) -> [Message] {
        events.compactMap { if case .message(let message) = $0 { message } else { nil } }
    }

    @Test("handshake: the host learns the board's identity, the board the host's; credit comes with the next frame")
    func handshake() throws {
        var pair = Self.pair()
        pair.board.localCredit = 64
        _ = pair.connect(sessionID: 42)
        #expect(pair.host.availableCredit == 0)
        pair.run(until: pair.now + 5_000)
        #expect(pair.host.availableCredit == 64)
        #expect(pair.host.isEstablished)
        guard case .established(.board(let hello)) = pair.hostEvents.last else {
            Issue.record("no established event: \(pair.hostEvents)")
            return
        }
        #expect(hello.boardModel == "smp-driver-r1")
        #expect(hello.sessionID == 42)
        #expect(
            pair.boardEvents.contains(.established(peer: .host(HostHello(sessionID: 42, hostSoftware: "smpctl-test")))))
    }

    @Test("one hello, one answer: the board's reply goes out at once, not at the next timer")
    func singleHello() {
        var pair = Self.pair()
        _ = pair.connect(sessionID: 5)
        #expect(pair.host.isEstablished)
        #expect(pair.now < 5_000, "established after \(pair.now) us")
        #expect(pair.hostToBoard.counters.frames == 1 + UInt64(pair.host.statistics.heartbeatsSent))
    }

    @Test("a board of another schema is refused at connect, naming both sides")
    func mismatchRefused() {
        var pair = Self.pair(boardSchema: 0x0BAD_F00D)
        _ = pair.connect(limit: 1_000_000)
        let refusal = pair.hostEvents.compactMap { if case .refused(let mismatch) = $0 { mismatch } else { nil } }.first
        #expect(refusal?.peerSchemaHash == 0x0BAD_F00D)
        #expect(refusal?.localSchemaHash == WireSchema.hash)
        #expect(refusal?.description.contains("0badf00d") == true)
        #expect(refusal?.description.contains(String(WireSchema.hash, radix: 16)) == true)
        #expect(!pair.host.isEstablished)
    }

    @Test("a v1 host is refused at connect by a v2 board, the refusal naming both versions and schemas")
    func versionOneHostRefused() throws {
        var board = WireSession(configuration: SessionConfiguration(role: .board), boardIdentity: Samples.boardHello)
        // Protocol v1's hello: version 1 and v1's schema hash (Hardware/smp-driver-r1/protocol-vectors.json of v1).
        let hello = Message.hostHello(
            HostHello(protocolVersion: 1, schemaHash: 0x492B_CFC5, sessionID: 9, hostSoftware: "smpctl 0.1.0"))
        var encoder = FrameEncoder()
        var wire: [UInt8] = []
        try encoder.encode(
            Frame(
                acknowledgement: 0xFF, isNegativeAcknowledgement: false, credit: nil, body: .handshake(hello.encoded())),
            into: &wire, leadingDelimiter: true)
        let events = board.receive(wire, now: 1_000)
        let refusal = try #require(
            events.compactMap { if case .refused(let mismatch) = $0 { mismatch } else { nil } }.first)
        #expect(refusal.peerVersion == 1 && refusal.localVersion == 2)
        #expect(refusal.description.contains("v1") && refusal.description.contains("v2"))
        #expect(refusal.description.contains("492bcfc5"))
        #expect(!board.isEstablished)
    }

    /// Sends `count` messages each way, as fast as the windows allow, and returns what each side received.
    static func exchange(_ pair: inout SessionPair, count: Int, limit: UInt64 = 120_000_000) -> (
        toBoard: [Message], toHost: [Message]
    ) {
        var sentToBoard = 0
        var sentToHost = 0
        var toBoard: [Message] = []
        var toHost: [Message] = []
        _ = pair.run(until: pair.now + limit) { pair in
            while sentToBoard < count, pair.host.canSend {
                try? pair.host.send(
                    .moveTo(MoveTo(startTime: UInt64(sentToBoard), xMicrometres: Int32(sentToBoard), yMicrometres: 0)),
                    now: pair.now)
                sentToBoard += 1
            }
            while sentToHost < count, pair.board.canSend {
                try? pair.board.send(.fault(Fault(code: .watchdog, boardTime: UInt64(sentToHost))), now: pair.now)
                sentToHost += 1
            }
            toBoard += WireSessionTests.delivered(pair.boardEvents)
            toHost += WireSessionTests.delivered(pair.hostEvents)
            pair.clearEvents()
            return toBoard.count < count || toHost.count < count
        }
        return (toBoard, toHost)
    }

    @Test(
        "exactly once and in order, both directions, through loss, corruption, duplication and reordering",
        arguments: [UInt64(1), 2, 3])
    func exactlyOnceInOrder(seed: UInt64) throws {
        var pair = Self.pair(
            VirtualLink.Impairments(
                frameLoss: 0.05, frameCorruption: 0.03, frameDuplication: 0.03, frameReordering: 0.05),
            seed: seed)
        _ = pair.connect()
        #expect(pair.host.isEstablished)
        let (toBoard, toHost) = Self.exchange(&pair, count: 1_500)
        #expect(toBoard.count == 1_500)
        #expect(toHost.count == 1_500)
        for (index, message) in toBoard.enumerated() {
            guard case .moveTo(let move) = message, move.startTime == UInt64(index) else {
                Issue.record("message \(index) to the board is \(message)")
                return
            }
        }
        for (index, message) in toHost.enumerated() {
            guard case .fault(let fault) = message, fault.boardTime == UInt64(index) else {
                Issue.record("message \(index) to the host is \(message)")
                return
            }
        }
        #expect(pair.host.statistics.retransmissions + pair.host.statistics.fastRetransmissions > 0)
        #expect(pair.hostToBoard.counters.lost > 0 && pair.hostToBoard.counters.duplicated > 0)
    }

    @Test("a single lost frame in a burst is repaired by fast retransmit within one round trip")
    func fastRetransmit() throws {
        var pair = Self.pair()
        _ = pair.connect()
        #expect(pair.host.isEstablished)
        // Frames so far: hello, then heartbeats; drop the 2nd data frame of the burst we are about to send.
        let already = pair.hostToBoard.counters.frames
        pair.hostToBoard.impairments.dropFrameNumbers = [already + 2]
        let sentAt = pair.now
        for index in 0..<5 {
            try pair.host.send(
                .moveTo(MoveTo(startTime: UInt64(index), xMicrometres: 0, yMicrometres: 0)), now: pair.now)
        }
        var received = 0
        let repaired = pair.run(until: pair.now + 1_000_000) { pair in
            received += WireSessionTests.delivered(pair.boardEvents).count
            pair.clearEvents()
            return received < 5
        }
        #expect(repaired)
        #expect(pair.host.statistics.fastRetransmissions == 1)
        #expect(pair.host.statistics.retransmissions == 0)
        #expect(pair.now - sentAt < 5_000, "repaired after \(pair.now - sentAt) us")
    }

    @Test("priority messages are acted on ahead of a gap, exactly once")
    func priorityBypassesGap() throws {
        var pair = Self.pair()
        _ = pair.connect()
        #expect(pair.host.isEstablished)
        let already = pair.hostToBoard.counters.frames
        pair.hostToBoard.impairments.dropFrameNumbers = [already + 1]
        try pair.host.send(.moveTo(MoveTo(startTime: 1, xMicrometres: 0, yMicrometres: 0)), now: pair.now)
        try pair.host.send(.hold, now: pair.now)
        pair.clearEvents()
        var sawHoldBeforeMove = false
        _ = pair.run(until: pair.now + 1_000_000) { pair in
            let events = pair.boardEvents
            if let hold = events.firstIndex(of: .priority(.hold)) {
                let move = events.firstIndex { if case .message(.moveTo) = $0 { true } else { false } }
                sawHoldBeforeMove = move.map { hold < $0 } ?? true
            }
            return !events.contains { if case .message(.moveTo) = $0 { true } else { false } }
        }
        #expect(sawHoldBeforeMove)
        #expect(pair.boardEvents.filter { $0 == .priority(.hold) }.count == 1)
        #expect(!pair.boardEvents.contains(.message(.hold)))
    }

    @Test("an acknowledgement for frames never sent is ignored: nothing queued is dropped")
    func acknowledgementBeyondWhatWasSent() throws {
        var pair = Self.pair()
        _ = pair.connect()
        for index in 0..<3 {
            try pair.host.send(
                .moveTo(MoveTo(startTime: UInt64(index), xMicrometres: 0, yMicrometres: 0)), now: pair.now)
        }
        var encoder = FrameEncoder()
        var bogus: [UInt8] = []
        try encoder.encode(Frame(acknowledgement: 2, credit: 64, body: .linkOnly), into: &bogus, leadingDelimiter: true)
        _ = pair.host.receive(bogus, now: pair.now)
        #expect(pair.host.unacknowledgedCount == 3)
        pair.run(until: pair.now + 100_000)
        #expect(Self.delivered(pair.boardEvents).count == 3)
    }

    @Test("the send window bounds memory: a full window refuses more")
    func windowIsBounded() throws {
        var pair = Self.pair(VirtualLink.Impairments(frameLoss: 1))
        pair.host.connect(sessionID: 1, hostSoftware: "t", now: 0)
        #expect(throws: SessionSendError.notEstablished) { try pair.host.send(.arm, now: 0) }
        var connected = Self.pair()
        _ = connected.connect()
        #expect(connected.host.isEstablished)
        connected.hostToBoard.impairments.frameLoss = 1
        for _ in 0..<32 { try connected.host.send(.statusQuery, now: connected.now) }
        #expect(throws: SessionSendError.windowFull) { try connected.host.send(.statusQuery, now: connected.now) }
    }

    @Test("a dead link fails after the retransmission limit instead of hanging")
    func deadLinkFails() throws {
        var pair = Self.pair()
        _ = pair.connect()
        #expect(pair.host.isEstablished)
        pair.hostToBoard.impairments.frameLoss = 1
        try pair.host.send(.statusQuery, now: pair.now)
        pair.run(until: pair.now + 10_000_000)
        #expect(
            pair.hostEvents.contains { if case .linkFailed(.retransmissionsExhausted) = $0 { true } else { false } })
    }

    @Test("no answer to hellos fails the connection attempt")
    func helloTimeout() {
        var pair = Self.pair(VirtualLink.Impairments(frameLoss: 1))
        _ = pair.connect(limit: 3_000_000)
        #expect(!pair.host.isEstablished)
        #expect(pair.hostEvents.contains(.linkFailed(.noAnswerToHello(attempts: 20))))
    }

    @Test("board reports survive a reconnect and arrive exactly once in the new session")
    func reportsSurviveReconnect() throws {
        var pair = Self.pair()
        _ = pair.connect(sessionID: 1)
        #expect(pair.host.isEstablished)
        pair.boardToHost.impairments.frameLoss = 1
        for index in 0..<5 {
            try pair.board.send(.fault(Fault(code: .watchdog, boardTime: UInt64(index))), now: pair.now)
        }
        pair.run(until: pair.now + 50_000)
        pair.boardToHost.impairments.frameLoss = 0
        pair.clearEvents()
        _ = pair.connect(sessionID: 2)
        #expect(pair.host.isEstablished)
        pair.run(until: pair.now + 100_000)
        let faults = Self.delivered(pair.hostEvents)
        #expect(faults.count == 5)
        #expect(faults == (0..<5).map { .fault(Fault(code: .watchdog, boardTime: UInt64($0))) })
    }

    @Test("a board that restarted answers with session 0 and the host connects again")
    func boardRestart() throws {
        var pair = Self.pair()
        _ = pair.connect(sessionID: 9)
        #expect(pair.host.isEstablished)
        pair.board = WireSession(configuration: SessionConfiguration(role: .board), boardIdentity: Samples.boardHello)
        try pair.host.send(.statusQuery, now: pair.now)
        pair.run(until: pair.now + 500_000)
        #expect(pair.hostEvents.contains { if case .peerRestarted = $0 { true } else { false } })
        #expect(pair.host.isEstablished && pair.board.isEstablished)
    }

    @Test("credit: in-flight queued commands use it up, the board's advertisement restores it")
    func credit() throws {
        var pair = Self.pair()
        pair.board.localCredit = 64
        _ = pair.connect()
        pair.run(until: pair.now + 5_000)
        #expect(pair.host.isEstablished)
        let train = DotTrain(
            strokesPerDot: 4, strokeRateCentihertz: 12_000, liftMicrometres: 1_000,
            dots: Samples.dots(count: 10, seed: 1))
        try pair.host.send(.dotTrain(train), now: pair.now)
        #expect(pair.host.availableCredit == 54)
        pair.board.localCredit = 54
        pair.run(until: pair.now + 20_000)
        #expect(pair.host.availableCredit == 54)
        pair.board.localCredit = 64
        pair.board.scheduleLinkFrame()
        pair.run(until: pair.now + 20_000)
        #expect(pair.host.availableCredit == 64)
    }

    @Test("heartbeats keep an idle link alive on both sides")
    func heartbeats() {
        var pair = Self.pair()
        _ = pair.connect()
        #expect(pair.host.isEstablished)
        pair.run(until: pair.now + 1_000_000)
        #expect(pair.host.statistics.heartbeatsSent >= 20)
        #expect(pair.board.statistics.heartbeatsSent >= 6)
        #expect(pair.now - (pair.board.lastHeardAt ?? 0) < 50_000)
    }
}
