import SMPWire

/// Where a capture's bytes go, by kind: each message type, link-only frames, heartbeats and errors. What the wire
/// benchmark reports beside its bytes-per-dot totals, so that the breakdown in Docs/Performance.md has a command.
public struct WireByteBreakdown: Sendable {
    /// Bytes per kind: a message type's name, "link" for link-only frames, "heartbeat", or "error".
    public private(set) var bytes: [String: Int] = [:]

    public init(capture: [UInt8]) {
        var analyzer = CaptureAnalyzer()
        let records = analyzer.feed(capture)
        // A record's bytes run from its offset to the next record's (a frame's closing delimiter included); the
        // stream's opening delimiter counts with the first record.
        let ends = records.dropFirst().map { Int($0.offset) } + [capture.count]
        let starts = [0] + ends.dropLast()
        for ((record, start), end) in zip(zip(records, starts), ends) {
            let kind: String
            switch record.kind {
            case .frame: kind = record.message?.type.name ?? "link"
            case .heartbeat: kind = "heartbeat"
            case .error: kind = "error"
            }
            bytes[kind, default: 0] += end - start
        }
    }
}
