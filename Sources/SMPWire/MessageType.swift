/// Type codes of protocol v2. Ranges: 0x01-0x0F handshake, 0x10-0x1F queued commands (executed at their schedule
/// time), 0x20-0x2F priority commands (acted on when received, bypassing the queue), 0x40-0x4F board reports.
public enum MessageType: UInt8, CaseIterable, Sendable {
    case hostHello = 0x01
    case boardHello = 0x02
    case dotTrain = 0x10
    case moveTo = 0x11
    case setStrokeRate = 0x12
    case touchOff = 0x13
    case surfaceGrid = 0x14
    case hold = 0x20
    case resume = 0x21
    case emergencyStop = 0x22
    case statusQuery = 0x23
    case arm = 0x24
    case flushQueue = 0x25
    case cartridgeFitted = 0x26
    case disarm = 0x27
    case completions = 0x40
    case fault = 0x41
    case status = 0x42
    case touchOffResult = 0x43
    case strokeDetail = 0x44

    /// Priority commands are acted on as soon as the board receives them, even ahead of a missing earlier frame.
    public var isPriority: Bool { (0x20...0x2F).contains(rawValue) }
    public var isHandshake: Bool { rawValue < 0x10 }
    /// Board reports (0x40-0x4F) and the board's hello.
    public var isFromBoard: Bool { rawValue >= 0x40 || self == .boardHello }
}
