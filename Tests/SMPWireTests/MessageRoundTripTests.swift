import SMPHardware
import Testing

@testable import SMPWire

@Suite("Messages round-trip through frames")
struct MessageRoundTripTests {
    @Test("every message type survives encode, frame, stuff, decode", arguments: Samples.everyMessage)
    func roundTrip(message: Message) throws {
        let raw = try message.encoded()
        var encoder = FrameEncoder()
        var bytes: [UInt8] = []
        let body: Frame.Body =
            message.type.isHandshake ? .handshake(raw) : .sequenced(sequence: 200, message: raw)
        try encoder.encode(Frame(acknowledgement: 9, credit: 17, body: body), into: &bytes)
        var decoder = FrameDecoder()
        let events = decoder.feed(bytes)
        #expect(events.count == 1)
        guard case .frame(let frame, _) = events.first else {
            Issue.record("expected a frame, got \(events)")
            return
        }
        #expect(frame.acknowledgement == 9)
        #expect(frame.credit == 17)
        switch frame.body {
        case .sequenced(let sequence, let decodedRaw):
            #expect(sequence == 200)
            #expect(try Message(decoding: decodedRaw) == message)
        case .handshake(let decodedRaw):
            #expect(try Message(decoding: decodedRaw) == message)
        case .linkOnly:
            Issue.record("lost the body")
        }
    }

    @Test("every message type has a sample, so the round trip covers the whole schema")
    func samplesCoverEveryType() {
        let covered = Set(Samples.everyMessage.map(\.type))
        #expect(covered == Set(MessageType.allCases))
    }

    @Test("random dot trains round-trip exactly, whatever their deltas")
    func randomDotTrains() throws {
        var random = SeededGenerator(seed: 42)
        for _ in 0..<500 {
            let count = Int.random(in: 1...DotTrain.maximumDots, using: &random)
            var dots: [DotCommand] = []
            var id = UInt32.random(in: 0...1_000_000, using: &random)
            var time = UInt64.random(in: 0...UInt64(1) << 40, using: &random)
            let spread = Int32.random(in: 0...200_000, using: &random)
            let quantum = Int32(1) << Int32.random(in: 0...6, using: &random)
            for _ in 0..<count {
                dots.append(
                    DotCommand(
                        id: id, startTime: time,
                        xMicrometres: Int32.random(in: -spread...spread, using: &random) / quantum * quantum,
                        yMicrometres: Int32.random(in: -spread...spread, using: &random) / quantum * quantum,
                        hangMicrometres: Int32.random(in: -3_000...3_000, using: &random)))
                id += UInt32.random(in: 1...3, using: &random)
                time += UInt64.random(in: 1...400_000, using: &random)
            }
            let trains = try DotTrain.pack(dots, strokesPerDot: 4, strokeRateCentihertz: 12_000, liftMicrometres: 1_000)
            #expect(trains.flatMap(\.dots) == dots)
            for train in trains {
                let raw = try Message.dotTrain(train).encoded()
                #expect(raw.payload.count <= Frame.maximumPayloadLength)
                #expect(try Message(decoding: raw) == .dotTrain(train))
            }
        }
    }

    @Test("a time delta whose quantum exceeds 32 bits round-trips (found by the fuzzer)")
    func hugeTimeQuantum() throws {
        let train = DotTrain(
            strokesPerDot: 4, strokeRateCentihertz: 12_000, liftMicrometres: 300,
            dots: [
                DotCommand(id: 2, startTime: 2, xMicrometres: 1, yMicrometres: 1, hangMicrometres: 1),
                DotCommand(
                    id: 3, startTime: 5_629_499_739_486_742, xMicrometres: 1, yMicrometres: -7, hangMicrometres: 3),
            ])
        #expect(try Message(decoding: try Message.dotTrain(train).encoded()) == .dotTrain(train))
    }

    @Test("a string the peer would refuse is refused when encoding, not sent")
    func overlongString() throws {
        let long = String(repeating: "x", count: 65)
        #expect(throws: MessageEncodingError.outOfRange(field: "host_software", index: 65)) {
            try Message.hostHello(HostHello(sessionID: 1, hostSoftware: long)).encoded()
        }
        let fits = String(repeating: "x", count: 64)
        let raw = try Message.hostHello(HostHello(sessionID: 1, hostSoftware: fits)).encoded()
        #expect(try Message(decoding: raw) == .hostHello(HostHello(sessionID: 1, hostSoftware: fits)))
    }

    @Test("dots whose ids or times do not increase are refused with the index")
    func nonIncreasingDots() {
        var dots = Samples.dots(count: 5, seed: 3)
        dots[3].startTime = dots[2].startTime
        #expect(throws: MessageEncodingError.notIncreasing(field: "dots.start_time", index: 3)) {
            try DotTrain.pack(dots, strokesPerDot: 4, strokeRateCentihertz: 12_000, liftMicrometres: 0)
        }
        var ids = Samples.dots(count: 5, seed: 3)
        ids[4].id = ids[1].id
        #expect(throws: MessageEncodingError.notIncreasing(field: "dots.id", index: 4)) {
            try Message.dotTrain(DotTrain(strokesPerDot: 4, strokeRateCentihertz: 1, liftMicrometres: 0, dots: ids))
                .encoded()
        }
    }

    @Test("a realistic session packs into a few bytes per dot")
    func packingDensity() throws {
        let dots = Samples.dots(count: 2_000, seed: 9)
        let trains = try DotTrain.pack(dots, strokesPerDot: 4, strokeRateCentihertz: 12_000, liftMicrometres: 1_500)
        let payload = try trains.reduce(0) { $0 + (try Message.dotTrain($1).encoded().payload.count) }
        #expect(Double(payload) / Double(dots.count) < 5.0)
    }
}
