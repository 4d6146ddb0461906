import SMPWire

extension SessionController {
    /// Something the operator sees happen during the session, stamped with both clocks: what the report's timeline
    /// draws (holds as spans from hold to resume, the rest as markers).
    public struct Event: Sendable, Equatable {
        public enum Kind: Sendable, Equatable, CustomStringConvertible {
            /// The operator's hold was sent: needle out, the schedule clock stops.
            case hold
            /// The operator's resume was sent after a hold.
            case resume
            case emergencyStop
            /// A fault the board reported (also one that arrives after the session stopped), or the host's own
            /// reason to stop short (host check, motion model, probing, protocol).
            case fault(FaultReason)
            /// The host gave up on the link.
            case linkLost(LinkFailure)
            /// The board said hello again mid-session: it restarted and its queue is gone.
            case boardRestarted(lastCompletedDot: UInt32)
            /// A step the operator carries out mid-session (a cartridge or pigment change).
            case operatorStep(OperatorStep)

            public var description: String {
                switch self {
                case .hold: "hold by the operator"
                case .resume: "resume by the operator"
                case .emergencyStop: FaultReason.emergencyStop.description
                case .fault(let reason): reason.description
                case .linkLost(let failure): FaultReason.linkLost(failure).description
                case .boardRestarted(let last): FaultReason.boardRestarted(lastCompletedDot: last).description
                case .operatorStep(let step): step.description
                }
            }
        }

        public var kind: Kind
        /// Host time (µs) the controller learnt of it or acted on it.
        public var hostMicros: UInt64
        /// Board time (µs): the board's own stamp for a board fault, otherwise the clock fit's prediction at
        /// ``hostMicros``; nil before the first clock sample.
        public var boardMicros: UInt64?
        /// Schedule time (µs: board time minus time held) the host estimated at ``hostMicros``; nil before the first
        /// clock sample.
        public var scheduleMicros: UInt64?

        public init(kind: Kind, hostMicros: UInt64, boardMicros: UInt64?, scheduleMicros: UInt64?) {
            self.kind = kind
            self.hostMicros = hostMicros
            self.boardMicros = boardMicros
            self.scheduleMicros = scheduleMicros
        }
    }

    /// A change the operator makes at the rig mid-session: the handpiece's cartridge or the pigment, from one named
    /// kind to another.
    public struct OperatorStep: Sendable, Equatable, CustomStringConvertible {
        public enum Kind: String, Sendable, CaseIterable {
            case cartridge
            case pigment
        }
        public var kind: Kind
        public var from: String
        public var to: String

        public init(kind: Kind, from: String, to: String) {
            self.kind = kind
            self.from = from
            self.to = to
        }

        public var description: String { "\(kind.rawValue) change from \(from) to \(to)" }
    }

    /// Appends to ``eventLog`` with the clock fit's board and schedule times at `now` (or `boardTime`, the board's
    /// own stamp, when it gave one).
    mutating func recordEvent(_ kind: Event.Kind, now: UInt64, boardTime: UInt64? = nil) {
        let fitted = clock.samplesFitted > 0
        let predicted = fitted ? UInt64(max(0, clock.boardTime(atHost: now)).rounded()) : nil
        eventLog.append(
            Event(
                kind: kind, hostMicros: now, boardMicros: boardTime ?? predicted,
                scheduleMicros: fitted ? estimatedScheduleTime(atHost: now) : nil))
    }
}
