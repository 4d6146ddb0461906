import SMPSerial
import SMPWire

/// A host-role WireSession over an SMPSerial connection, the way `smpctl identify` drives it: bytes in, `poll` at
/// every deadline, output written with back-pressure.
final class WireHostLink: @unchecked Sendable {
    private enum Input: Sendable {
        case bytes([UInt8])
        case deadline
        case ended
    }

    struct LinkError: Error {
        let description: String
    }

    let connection: any SerialConnection
    private var session = WireSession(configuration: SessionConfiguration(role: .host))
    private let feed: AsyncStream<Input>.Continuation
    private var inputs: AsyncStream<Input>.Iterator
    private let reader: Task<Void, Never>
    private var timer: Task<Void, Never>?
    private let start = ContinuousClock.now

    init(path: String) throws {
        let connection = try SerialPort.open(path)
        self.connection = connection
        let (stream, feed) = AsyncStream.makeStream(of: Input.self)
        self.feed = feed
        inputs = stream.makeAsyncIterator()
        reader = Task {
            do {
                for try await chunk in connection.bytes { feed.yield(.bytes(chunk)) }
            } catch {}
            feed.yield(.ended)
        }
    }

    func handshake() async throws {
        session.connect(sessionID: UInt32.random(in: 1...UInt32.max), hostSoftware: "bench", now: now)
        _ = try await step { event in
            if case .established = event { return true }
            return nil
        }
    }

    /// Sends a status query and waits for the board's status report.
    func queryStatus() async throws {
        try session.send(.statusQuery, now: now)
        _ = try await step { event in
            switch event {
            case .message(.status), .priority(.status): return true
            default: return nil
            }
        }
    }

    func close() async {
        reader.cancel()
        timer?.cancel()
        feed.finish()
        await connection.close()
    }

    private var now: UInt64 { microseconds(since: start) }

    private func step<Result>(_ decide: (SessionEvent) -> Result?) async throws -> Result {
        while true {
            let (bytes, events) = session.poll(now: now)
            if !bytes.isEmpty { try await connection.write(bytes) }
            for event in events {
                if let result = decide(event) { return result }
            }
            timer?.cancel()
            if let deadline = session.nextDeadline {
                let wait = deadline > now ? deadline - now : 0
                let feed = self.feed
                timer = Task {
                    try? await Task.sleep(for: .microseconds(wait))
                    if !Task.isCancelled { feed.yield(.deadline) }
                }
            }
            guard let input = await inputs.next() else { throw LinkError(description: "input ended") }
            switch input {
            case .bytes(let chunk):
                for event in session.receive(chunk, now: now) {
                    if let result = decide(event) { return result }
                }
            case .deadline:
                continue
            case .ended:
                throw LinkError(description: "connection ended")
            }
        }
    }
}
