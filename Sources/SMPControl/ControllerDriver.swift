import SMPJournal

/// A byte transport to a board with a host clock: what ``ControllerDriver`` needs, in virtual or in wall time.
public protocol ControllerTransport {
    /// The host's monotonic clock (µs).
    var now: UInt64 { get }
    /// Puts bytes on the link towards the board.
    mutating func write(_ bytes: [UInt8])
    /// Waits until bytes arrive or host time `deadline` comes, whichever is first, and returns what arrived (empty
    /// at the deadline). A virtual transport advances its clock; a wall-time one blocks.
    mutating func waitForBytes(until deadline: UInt64) -> [UInt8]
    /// True when the link is gone for good (a serial hang-up); the driver then has the controller declare the
    /// board lost (``SessionController/FaultReason/transportClosed(_:)``).
    var isClosed: Bool { get }
    /// Makes a closed link usable again (the same port opened anew once the cable is back); false while it cannot
    /// be. A transport that never closes returns true.
    mutating func reopen() -> Bool
    /// Why the link closed, in one line naming the failing call, once ``isClosed`` is true.
    var closeReason: String? { get }
}

extension ControllerTransport {
    public mutating func reopen() -> Bool { !isClosed }
    /// A transport that never closes has no reason to give.
    public var closeReason: String? { nil }
}

/// Runs a ``SessionController`` over a ``ControllerTransport``: the one loop that feeds it bytes and ticks and
/// writes what it asks, whatever the transport: in virtual time over the simulated bench (SMPDryRun's
/// `DryRunTransport`) and in wall time over a serial port (SMPRun's `SerialControllerTransport`). When the transport
/// closes, the controller is told at once and faults with ``SessionController/FaultReason/transportClosed(_:)``.
public struct ControllerDriver<Transport: ControllerTransport> {
    public var controller: SessionController
    public var transport: Transport
    /// After the controller stops (faulted, finished), keep reading this long (µs) for the board's last records.
    public var drainTime: UInt64 = 500_000
    /// Longest wait between two inputs (µs): bounds how stale an operator command or a progress report can be.
    public var maximumWait: UInt64 = 50_000
    /// Why the journal refused the last entries; set, the driver stopped the board and wrote nothing more.
    public private(set) var journalFailure: String?

    public init(controller: SessionController, transport: Transport) {
        self.controller = controller
        self.transport = transport
    }

    /// Runs until the controller is terminal and drained, `limit` host µs have passed, or `interrupt` returns an
    /// operator command that stops it. `observe` is called after every input (progress, operator input).
    ///
    /// `journal` makes each action's journal entries durable and returns nil, or returns why it could not; the
    /// action's bytes are written only after it succeeded. When it fails, nothing more is written and the run
    /// ends with ``journalFailure`` set: any frame would carry an acknowledgement of reports the journal does not
    /// hold (the board would then forget them), so the host falls silent instead, and the board's watchdog takes
    /// the needle out within its host-loss time, keeping its reports for the resume.
    public mutating func run(
        limit: UInt64, observe: (inout ControllerDriver) -> SessionController.OperatorCommand? = { _ in nil },
        journal: ([JournalEntry]) -> String? = { _ in nil }
    ) {
        let end = transport.now + limit
        var action = controller.start(now: transport.now)
        var terminalSince: UInt64?
        while true {
            if !action.journal.isEmpty, let failure = journal(action.journal) {
                journalFailure = failure
                return
            }
            if !action.bytes.isEmpty { transport.write(action.bytes) }
            if let command = observe(&self) {
                action = controller.command(command, now: transport.now)
                continue
            }
            let now = transport.now
            if controller.isTerminal {
                terminalSince = terminalSince ?? now
                if now >= terminalSince! + drainTime || transport.isClosed { return }
            }
            if now >= end { return }
            var deadline = min(end, now + maximumWait)
            if let wake = action.wakeAt { deadline = min(deadline, max(wake, now + 1)) }
            if let since = terminalSince { deadline = min(deadline, since + drainTime) }
            let bytes = transport.waitForBytes(until: deadline)
            action =
                bytes.isEmpty
                ? controller.tick(now: transport.now) : controller.receive(bytes, now: transport.now)
            if transport.isClosed && !controller.isTerminal {
                let reason = transport.closeReason ?? "the link closed"
                action = controller.transportClosed(reason, now: transport.now)
            }
        }
    }
}
