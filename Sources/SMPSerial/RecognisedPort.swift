import SMPHardware

/// A serial port together with the board definition whose USB ids it carries, if any.
public struct RecognisedPort: Sendable, Hashable {
    public var port: SerialPortDescription
    /// The matching board, or nil for a port that is not an SMP board.
    public var board: BoardDefinition?

    public init(port: SerialPortDescription, board: BoardDefinition?) {
        self.port = port
        self.board = board
    }
}
