import SMPControl
import SMPWire

/// What came back on the line while `identify` waited for a board's hello, so that "no answer" says what was
/// heard instead: silence, noise, our own hellos echoed, a hello of another session, a hello that does not
/// decode (another protocol), or frames without a hello.
struct HandshakeTraffic {
    /// The session our hellos carry.
    let sessionID: UInt32
    private var analyzer = CaptureAnalyzer()
    private(set) var bytes = 0
    private(set) var badFrames = 0
    private(set) var echoedHellos = 0
    private(set) var otherHostHellos = 0
    private(set) var otherSessionHellos = 0
    private(set) var firstOtherSessionHello: BoardHello?
    private(set) var undecodableHandshakes = 0
    private(set) var sessionFrames = 0

    init(sessionID: UInt32) {
        self.sessionID = sessionID
    }

    /// Looks at bytes received, in order; memory stays bounded (only counts are kept).
    mutating func observe(_ chunk: [UInt8]) {
        bytes += chunk.count
        var records: [CaptureAnalyzer.Record] = []
        analyzer.stream(chunk) { records.append($0) }
        for record in records { count(record) }
    }

    private mutating func count(_ record: CaptureAnalyzer.Record) {
        switch record.kind {
        case .heartbeat:
            return
        case .error:
            badFrames += 1
        case .frame:
            switch record.message {
            case .hostHello(let hello)?:
                if hello.sessionID == sessionID { echoedHellos += 1 } else { otherHostHellos += 1 }
            case .boardHello(let hello)?:
                // Ours would have established the session: this one is for another session.
                otherSessionHellos += 1
                if firstOtherSessionHello == nil { firstOtherSessionHello = hello }
            case nil where record.handshake == true:
                undecodableHandshakes += 1
            default:
                sessionFrames += 1
            }
        }
    }

    /// One clause saying what came back, the most telling first.
    var explanation: String {
        if bytes == 0 {
            return "nothing came back (silence: is a board on this port, powered and connected?)"
        }
        var heard: [String] = []
        if let hello = firstOtherSessionHello {
            heard.append(
                "\(otherSessionHellos) board hello(s) for session \(hello.sessionID), not ours (\(sessionID)), "
                    + "from \(hello.boardModel) firmware \(hello.firmwareVersion) (another host's session?)")
        }
        if undecodableHandshakes > 0 {
            heard.append("\(undecodableHandshakes) hello frame(s) that do not decode (another protocol version?)")
        }
        if echoedHellos > 0 {
            heard.append("\(echoedHellos) of our own hellos echoed back (a loopback or an echoing terminal?)")
        }
        if otherHostHellos > 0 {
            heard.append("\(otherHostHellos) hello(s) of another host (two hosts on one line?)")
        }
        if sessionFrames > 0 {
            heard.append("\(sessionFrames) valid frame(s) but no hello")
        }
        if badFrames > 0 && heard.isEmpty {
            heard.append("\(badFrames) bad frame(s) and no valid frame (noise, or the wrong baud rate?)")
        } else if badFrames > 0 {
            heard.append("\(badFrames) bad frame(s)")
        }
        if heard.isEmpty { heard.append("no frame (the wrong baud rate, or not an SMP board?)") }
        return "got \(bytes) bytes: " + heard.joined(separator: "; ")
    }
}

/// A transport that shows every byte it receives to a ``HandshakeTraffic``, so that a board that does not answer
/// is reported with what came back instead.
struct TrafficObservingTransport<Base: ControllerTransport>: ControllerTransport {
    var base: Base
    var traffic: HandshakeTraffic

    var now: UInt64 { base.now }
    var isClosed: Bool { base.isClosed }
    var closeReason: String? { base.closeReason }

    mutating func write(_ bytes: [UInt8]) { base.write(bytes) }

    mutating func waitForBytes(until deadline: UInt64) -> [UInt8] {
        let bytes = base.waitForBytes(until: deadline)
        if !bytes.isEmpty { traffic.observe(bytes) }
        return bytes
    }
}
