import SMPSerial
import SMPWire

/// A host-role WireSession driven over an SMPSerial connection, as the CLI drives it: bytes from the connection
/// in, `poll` at every deadline, output written with back-pressure.
///
/// Use it from one task at a time: it is `@unchecked Sendable` only so that a benchmark can keep it between its
/// setup, its iterations and its teardown, which never overlap.
public final class SerialHostLink: @unchecked Sendable {
    private enum Input: Sendable {
        case bytes([UInt8])
        case deadline
        case ended(SerialError?)
    }

    /// The serial connection the link runs over.
    public let connection: any SerialConnection
    private let hostSoftware: String
    private var session = WireSession(configuration: SessionConfiguration(role: .host))
    private let feed: AsyncStream<Input>.Continuation
    private var inputs: AsyncStream<Input>.Iterator
    private let reader: Task<Void, Never>
    private var timer: Task<Void, Never>?
    // Messages that arrived in the same chunk as the one a caller waited for, so that none is lost.
    private var pendingMessages: [Message] = []
    private let start = ContinuousClock.now

    /// Why the link stopped: the board refused the handshake, the session failed, or the input ended.
    public struct LinkError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Opens `path` with `SerialPort.open` and starts reading from it; `hostSoftware` goes into the host's hello.
    public init(path: String, hostSoftware: String) throws {
        let connection = try SerialPort.open(path)
        self.connection = connection
        self.hostSoftware = hostSoftware
        let (stream, feed) = AsyncStream.makeStream(of: Input.self)
        self.feed = feed
        inputs = stream.makeAsyncIterator()
        reader = Task {
            do {
                for try await chunk in connection.bytes { feed.yield(.bytes(chunk)) }
                feed.yield(.ended(nil))
            } catch {
                feed.yield(.ended(error as? SerialError))
            }
        }
    }

    private var now: UInt64 { microseconds(since: start) }

    /// Connects and waits until the session is established; returns the board's hello.
    @discardableResult
    public func handshake() async throws -> BoardHello {
        session.connect(sessionID: UInt32.random(in: 1...UInt32.max), hostSoftware: hostSoftware, now: now)
        return try await step { event in
            if case .established(peer: .board(let hello)) = event { return hello }
            return nil
        }
    }

    /// Queues `message`; it goes out on the next step of the session.
    public func send(_ message: Message) throws {
        try session.send(message, now: now)
    }

    /// Sends `message` and returns the next message from the board.
    public func request(_ message: Message) async throws -> Message {
        try send(message)
        return try await nextMessage()
    }

    /// The next message from the board, ordinary or priority. Throws the connection's `SerialError` if it ends.
    public func nextMessage() async throws -> Message {
        if !pendingMessages.isEmpty { return pendingMessages.removeFirst() }
        return try await step { event in
            switch event {
            case .message(let message), .priority(let message): return message
            default: return nil
            }
        }
    }

    /// Stops reading and closes the connection.
    public func close() async {
        reader.cancel()
        timer?.cancel()
        feed.finish()
        await connection.close()
    }

    /// Runs the session until `decide` picks a result from one of its events.
    private func step<Result>(_ decide: (SessionEvent) -> Result?) async throws -> Result {
        while true {
            let (bytes, events) = session.poll(now: now)
            if !bytes.isEmpty { try await connection.write(bytes) }
            for event in events {
                if let result = decide(event) { return result }
                try check(event)
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
                var decided: Result?
                for event in session.receive(chunk, now: now) {
                    if decided == nil, let result = decide(event) {
                        decided = result
                    } else if case .message(let message) = event {
                        pendingMessages.append(message)
                    } else if case .priority(let message) = event {
                        pendingMessages.append(message)
                    } else {
                        try check(event)
                    }
                }
                if let decided { return decided }
            case .deadline:
                continue
            case .ended(let error):
                throw error ?? LinkError(description: "the connection ended")
            }
        }
    }

    private func check(_ event: SessionEvent) throws {
        switch event {
        case .refused(let mismatch): throw LinkError(description: "refused: \(mismatch)")
        case .linkFailed(let failure): throw LinkError(description: "link failed: \(failure)")
        default: break
        }
    }
}
