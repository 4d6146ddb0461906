import SMPHardware
import SMPWireTesting
import Testing

@testable import SMPWire

@Suite("Frame decoder: chunking, garbage, corruption")
struct FrameDecoderTests {
    /// A realistic stream: a hello, sequenced messages, acknowledgements and heartbeats.
    static func sampleStream() throws -> (bytes: [UInt8], frames: [Frame]) {
        var encoder = FrameEncoder()
        var bytes: [UInt8] = []
        var frames: [Frame] = []
        for (index, message) in Samples.everyMessage.enumerated() {
            let raw = try message.encoded()
            let frame = Frame(
                acknowledgement: UInt8(index), credit: index % 3 == 0 ? UInt32(index * 7) : nil,
                body: message.type.isHandshake ? .handshake(raw) : .sequenced(sequence: UInt8(index), message: raw))
            try encoder.encode(frame, into: &bytes, leadingDelimiter: index == 0)
            frames.append(frame)
            if index % 4 == 0 { bytes.append(FramingByte.heartbeat) }
            let ack = Frame(
                acknowledgement: UInt8(200 + index), isNegativeAcknowledgement: index % 2 == 0, body: .linkOnly)
            try encoder.encode(ack, into: &bytes)
            frames.append(ack)
        }
        return (bytes, frames)
    }

    static func frames(in events: [FrameDecoder.Event]) -> [Frame] {
        events.compactMap { if case .frame(let frame, _) = $0 { frame } else { nil } }
    }

    @Test("the same events whatever the chunking: whole, byte by byte, every split, random splits")
    func everyChunking() throws {
        let (bytes, frames) = try Self.sampleStream()
        #expect(DecoderChunkingVerifier.verify(bytes) == nil)
        var decoder = FrameDecoder()
        #expect(Self.frames(in: decoder.feed(bytes)) == frames)
        #expect(decoder.counters.errors == 0)
    }

    @Test("garbage between frames costs at most the frame after it, and decoding goes on")
    func garbageResynchronises() throws {
        let (bytes, frames) = try Self.sampleStream()
        var random = SeededGenerator(seed: 11)
        for _ in 0..<300 {
            var stream = bytes
            let delimiters = stream.indices.filter { stream[$0] == FramingByte.delimiter }
            let position = delimiters[Int(random.next() % UInt64(delimiters.count))] + 1
            let garbage = (0..<Int(random.next() % 600)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            stream.insert(contentsOf: garbage, at: position)
            var decoder = FrameDecoder()
            let decoded = Self.frames(in: decoder.feed(stream))
            // Every frame that comes out is one that went in, and garbage may cost only frames it touches.
            #expect(decoded.allSatisfy { frames.contains($0) })
            let lostBudget = 1 + garbage.filter { $0 == FramingByte.delimiter }.count
            #expect(decoded.count + lostBudget >= frames.count)
        }
    }

    @Test("truncation, duplication and random bit flips never yield a frame that was not sent")
    func corruptionIsDetected() throws {
        let (bytes, frames) = try Self.sampleStream()
        let sent = Set(frames)
        var random = SeededGenerator(seed: 12)
        for trial in 0..<2_000 {
            var stream = bytes
            switch trial % 3 {
            case 0:
                for _ in 0..<(1 + Int(random.next() % 4)) {
                    let index = Int(random.next() % UInt64(stream.count))
                    stream[index] ^= UInt8(1 << (random.next() % 8))
                }
            case 1:
                stream.removeSubrange(Int(random.next() % UInt64(stream.count))..<stream.count)
            default:
                let start = Int(random.next() % UInt64(stream.count))
                let end = min(stream.count, start + Int(random.next() % 80))
                stream.insert(contentsOf: stream[start..<end], at: end)
            }
            var decoder = FrameDecoder()
            for frame in Self.frames(in: decoder.feed(stream)) { #expect(sent.contains(frame)) }
        }
    }

    @Test("no corrupted frame passes the check in 200,000 random error patterns (10^8 in the benchmark)")
    func undetectedCorruption() throws {
        var random = SeededGenerator(seed: 13)
        let raw = try Message.dotTrain(
            DotTrain(
                strokesPerDot: 4, strokeRateCentihertz: 12_000, liftMicrometres: 1_500,
                dots: Samples.dots(count: 40, seed: 5))
        ).encoded()
        var encoder = FrameEncoder()
        let original = try encoder.unstuffedBytes(
            of: Frame(acknowledgement: 1, body: .sequenced(sequence: 2, message: raw)))
        var accepted = 0
        for _ in 0..<200_000 {
            var corrupted = original
            let flips = 1 + Int(random.next() % 8)
            for _ in 0..<flips {
                let bit = Int(random.next() % UInt64(corrupted.count * 8))
                corrupted[bit / 8] ^= UInt8(1 << (bit % 8))
            }
            if corrupted != original, case .success = FrameParser.parse(corrupted, schemaHash: WireSchema.hash) {
                accepted += 1
            }
        }
        #expect(accepted == 0)
    }

    @Test("train encoder ties: a split must be strictly cheaper than one width; among splits the smallest narrow wins")
    func narrowWidthTieRule() {
        // Signed widths 2, 2, 4, 4: one width costs 16 bits; narrow 2 costs 4 flags + 2 + 2 + 4 + 4 = 16: a tie.
        let tie = DotTrainLayout.AxisWidths(values: [1, 1, 7, 7])
        #expect(tie.narrow == 4 && tie.wide == 4 && !tie.hasFlag)
        // Widths 2, 2, 2, 4: narrow 2 costs 4 + 6 + 4 = 14 < 16: split.
        let split = DotTrainLayout.AxisWidths(values: [1, 1, 1, 7])
        #expect(split.narrow == 2 && split.wide == 4 && split.hasFlag)
    }

    @Test("ESCAPE then HEARTBEAT: the heartbeat is taken, and the escape still applies to the byte after it")
    func escapeThenHeartbeat() throws {
        var encoder = FrameEncoder()
        var wire: [UInt8] = []
        // Credit 125 = 0x7D is escaped on the wire: 0x7D 0x5D.
        let frame = Frame(acknowledgement: 5, credit: 125, body: .linkOnly)
        try encoder.encode(frame, into: &wire, leadingDelimiter: true)
        let escape = try #require(wire.firstIndex(of: FramingByte.escape))
        wire.insert(FramingByte.heartbeat, at: escape + 1)
        var decoder = FrameDecoder()
        let events = decoder.feed(wire)
        #expect(events.count == 2)
        #expect(events.first == .heartbeat(offset: UInt64(escape + 1)))
        #expect(Self.frames(in: events) == [frame])
    }

    @Test("oversize frames and bad escapes are reported with their offsets, then decoding resumes")
    func errorsAreReportedWithOffsets() throws {
        var encoder = FrameEncoder()
        var good: [UInt8] = []
        try encoder.encode(Frame(acknowledgement: 4, body: .linkOnly), into: &good)
        let stream =
            [UInt8](repeating: 0x41, count: 400) + [FramingByte.delimiter] + [0x01, FramingByte.escape, 0x00]
            + [FramingByte.delimiter] + good
        var decoder = FrameDecoder()
        let events = decoder.feed(stream)
        #expect(events.count == 3)
        #expect(events[0] == .error(.oversize, offset: 0))
        #expect(events[1] == .error(.invalidEscape(0x00), offset: 401))
        if case .frame(let frame, let offset) = events[2] {
            #expect(frame.acknowledgement == 4)
            #expect(offset == 405)
        } else {
            Issue.record("expected the good frame last, got \(events[2])")
        }
    }

    @Test("a frame from a peer with another schema fails the check; its hello still reads")
    func schemaSalt() throws {
        var theirs = FrameEncoder(schemaHash: 0x1234_5678)
        var bytes: [UInt8] = []
        try theirs.encode(
            Frame(acknowledgement: 0, body: .sequenced(sequence: 0, message: try Message.arm.encoded())), into: &bytes)
        try theirs.encode(
            Frame(
                acknowledgement: 0,
                body: .handshake(try Message.hostHello(HostHello(sessionID: 1, hostSoftware: "x")).encoded())),
            into: &bytes)
        var ours = FrameDecoder()
        let events = ours.feed(bytes)
        guard case .error(.checksumMismatch, _) = events.first else {
            Issue.record("salted frame of another schema was accepted: \(events)")
            return
        }
        #expect(Self.frames(in: events).count == 1)
    }
}
