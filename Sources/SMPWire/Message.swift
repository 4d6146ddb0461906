/// Every message of protocol v2. Docs/Protocol.md gives each one's byte layout, units and ranges.
public enum Message: Equatable, Hashable, Sendable {
    case hostHello(HostHello)
    case boardHello(BoardHello)
    case dotTrain(DotTrain)
    case moveTo(MoveTo)
    case setStrokeRate(SetStrokeRate)
    case touchOff(TouchOff)
    case surfaceGrid(SurfaceGrid)
    case hold
    case resume
    case emergencyStop
    case statusQuery
    case arm
    case flushQueue
    case cartridgeFitted(CartridgeFitted)
    case disarm
    case completions(CompletionBatch)
    case fault(Fault)
    case status(BoardStatus)
    case touchOffResult(TouchOffResult)
    case strokeDetail(StrokeDetail)

    public var type: MessageType {
        switch self {
        case .hostHello: .hostHello
        case .boardHello: .boardHello
        case .dotTrain: .dotTrain
        case .moveTo: .moveTo
        case .setStrokeRate: .setStrokeRate
        case .touchOff: .touchOff
        case .surfaceGrid: .surfaceGrid
        case .hold: .hold
        case .resume: .resume
        case .emergencyStop: .emergencyStop
        case .statusQuery: .statusQuery
        case .arm: .arm
        case .flushQueue: .flushQueue
        case .cartridgeFitted: .cartridgeFitted
        case .disarm: .disarm
        case .completions: .completions
        case .fault: .fault
        case .status: .status
        case .touchOffResult: .touchOffResult
        case .strokeDetail: .strokeDetail
        }
    }

    /// Board queue slots the message occupies: one per dot, one per other queued command, none for the rest.
    public var queueSlots: Int {
        switch self {
        case .dotTrain(let train): train.dots.count
        case .moveTo, .setStrokeRate, .touchOff, .surfaceGrid: 1
        default: 0
        }
    }
}

/// A message the sender cannot encode: a programming error on the sending side, reported rather than trapped.
public enum MessageEncodingError: Error, Equatable, Sendable, CustomStringConvertible {
    case emptyTrain
    case tooManyItems(field: String, count: Int, maximum: Int)
    case notIncreasing(field: String, index: Int)
    case outOfRange(field: String, index: Int)
    case payloadTooLong(Int)

    public var description: String {
        switch self {
        case .emptyTrain: "a dot train needs at least one dot"
        case .tooManyItems(let field, let count, let maximum): "\(field): \(count) items, at most \(maximum)"
        case .notIncreasing(let field, let index): "\(field)[\(index)] does not increase"
        case .outOfRange(let field, let index): "\(field)[\(index)] is out of range"
        case .payloadTooLong(let count):
            "payload of \(count) bytes exceeds the \(Frame.maximumPayloadLength)-byte limit"
        }
    }
}
