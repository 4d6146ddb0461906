import SMPBoardSim
import SMPChecksum
import SMPHardware
import SMPWire

/// What the libFuzzer target (Fuzz/) runs on each input, and what the corpus regression test replays. The first byte
/// picks a mode, so that the fuzzer reaches past the frame check into the message decoders and the session:
/// 0 raw byte stream, 1 frames with valid checks built from the input, 2 one message payload, 3 dot trains.
/// Any crash, trap or failed property is a finding.
public enum WireFuzzHarness {
    public static func run(_ input: [UInt8]) {
        guard let mode = input.first else { return }
        let rest = Array(input.dropFirst())
        switch mode % 4 {
        case 0: rawStream(rest)
        case 1: checkedFrames(rest)
        case 2: messagePayload(rest)
        default: dotTrains(rest)
        }
    }

    static let identity = BoardHello(
        sessionID: 0, boardModel: "fuzz", firmwareVersion: "0", serialNumber: "0", clockHertz: 1_000_000,
        queueCapacity: UInt16(BoardDefinition.r1.queueCapacity), limits: BoardLimits(BoardDefinition.r1), boardTime: 0,
        lastCompletedDot: 0, pendingCompletions: 0,
        handpieceModel: "rotary-r1", cartridge: "", surfaceMode: .unmapped)

    /// A board session and a host session, each established with a peer that is this harness.
    static func establishedSessions() -> (board: WireSession, host: WireSession) {
        var board = WireSession(configuration: SessionConfiguration(role: .board), boardIdentity: identity)
        var host = WireSession(configuration: SessionConfiguration(role: .host))
        var encoder = FrameEncoder()
        var hello: [UInt8] = []
        let hostHello = Message.hostHello(HostHello(sessionID: 1, hostSoftware: "fuzz"))
        if let raw = try? hostHello.encoded() {
            try? encoder.encode(
                Frame(acknowledgement: 0xFF, body: .handshake(raw)), into: &hello, leadingDelimiter: true)
        }
        _ = board.receive(hello, now: 0)
        host.connect(sessionID: 1, hostSoftware: "fuzz", now: 0)
        let reply = board.poll(now: 0).bytes
        _ = host.receive(reply, now: 0)
        return (board, host)
    }

    static func rawStream(_ bytes: [UInt8]) {
        var analyzer = CaptureAnalyzer()
        _ = analyzer.feed(bytes)
        var (board, host) = establishedSessions()
        // Fed in two chunks at two times, so that timers run between them.
        let middle = bytes.count / 2
        _ = board.receive(bytes[..<middle], now: 1_000)
        _ = board.poll(now: 30_000)
        _ = board.receive(bytes[middle...], now: 40_000)
        _ = board.poll(now: 500_000)
        _ = host.receive(bytes, now: 1_000)
        _ = host.poll(now: 500_000)
    }

    static func checkedFrames(_ bytes: [UInt8]) {
        var stream: [UInt8] = [FramingByte.delimiter]
        var index = 0
        while index < bytes.count {
            let length = Int(bytes[index]) % (Frame.maximumLength - 4)
            index += 1
            let content = Array(bytes[index..<min(bytes.count, index + length)])
            index += length
            guard let control = content.first else { continue }
            let salted = control & 0x08 == 0
            let check = CRC32C.checksum(content, seed: salted ? WireSchema.hash : 0)
            var frame = content
            for shift in stride(from: 0, to: 32, by: 8) {
                frame.append(UInt8(truncatingIfNeeded: check >> UInt32(shift)))
            }
            FrameEncoder.stuff(frame, into: &stream)
            stream.append(FramingByte.delimiter)
        }
        var decoder = FrameDecoder()
        decoder.feed(stream) { event in
            guard case .frame(let frame, _) = event else { return }
            switch frame.body {
            case .sequenced(_, let raw), .handshake(let raw): roundTrip(raw)
            case .linkOnly: break
            }
        }
        var (board, host) = establishedSessions()
        _ = board.receive(stream, now: 1_000)
        _ = board.poll(now: 1_000)
        _ = board.poll(now: 300_000)
        _ = host.receive(stream, now: 1_000)
        _ = host.poll(now: 1_000)
        _ = host.poll(now: 300_000)
    }

    static func messagePayload(_ bytes: [UInt8]) {
        guard let type = bytes.first else { return }
        roundTrip(RawMessage(type: type, payload: Array(bytes.dropFirst())))
    }

    /// Property: whatever decodes, re-encodes to something that decodes to the same message.
    static func roundTrip(_ raw: RawMessage) {
        guard let message = try? Message(decoding: raw) else { return }
        guard let again = try? message.encoded() else {
            // Decodable but not encodable is only allowed where the decoder is more lenient than the encoder.
            if case .dotTrain = message { return }
            if case .completions = message { return }
            fatalError("decoded \(message.type.name) cannot be re-encoded")
        }
        guard (try? Message(decoding: again)) == message else {
            fatalError("\(message.type.name) does not survive a re-encode")
        }
    }

    /// Property: dots built from the input pack into trains that decode to the same dots.
    static func dotTrains(_ bytes: [UInt8]) {
        var dots: [DotCommand] = []
        var id: UInt32 = 1
        var time: UInt64 = 0
        var index = 0
        while index + 7 <= bytes.count {
            let chunk = bytes[index..<index + 7]
            index += 7
            id &+= 1 + UInt32(chunk[chunk.startIndex] & 3)
            time &+= 1 + UInt64(chunk[chunk.startIndex + 1]) << (chunk[chunk.startIndex + 2] % 24)
            let x = Int32(
                Int16(bitPattern: UInt16(chunk[chunk.startIndex + 3]) << 8 | UInt16(chunk[chunk.startIndex + 4])))
            let y = Int32(Int8(bitPattern: chunk[chunk.startIndex + 5])) * 1_000
            let hang = Int32(chunk[chunk.startIndex + 6]) * 13
            guard id > (dots.last?.id ?? 0), time > (dots.last?.startTime ?? 0) || dots.isEmpty else { break }
            dots.append(
                DotCommand(id: id, startTime: time, xMicrometres: x * 50, yMicrometres: y, hangMicrometres: hang))
        }
        guard !dots.isEmpty,
            let trains = try? DotTrain.pack(
                dots, strokesPerDot: 4, strokeRateCentihertz: 12_000, liftMicrometres: 1_000)
        else { return }
        var decoded: [DotCommand] = []
        for train in trains {
            guard let raw = try? Message.dotTrain(train).encoded(),
                case .dotTrain(let back)? = try? Message(decoding: raw)
            else { fatalError("packed train does not encode or decode") }
            decoded += back.dots
        }
        if decoded != dots { fatalError("dot trains do not round-trip") }
    }
}
