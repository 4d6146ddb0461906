import SMPMotion
import SMPWire

extension SessionController {
    /// What a session of a run that already had sessions carries over from them (``SessionRunner`` fills it from
    /// the run's journal). The first session of a run uses the default.
    public struct Resumption: Sendable, Equatable {
        /// The wire id of this session's first dot: above every id the run used and every `last_completed_dot` the
        /// board named, so that a wire id always means one send.
        public var firstWireID: UInt32 = 1
        /// Earlier sends of the run whose report has not arrived, wire id → plan dot: the board re-sends the reports
        /// it kept, and this session journals them.
        public var earlierSends: [UInt32: UInt32] = [:]
        /// The surface map the board measured in an earlier session of this run. When the board's hello says it
        /// still holds its map, the session streams without probing again; after a board reset it probes.
        public var surface: SurfaceMap?
        /// Connect, take the board's kept reports and settle what became of the earlier sends, then finish
        /// without arming: the session a run opens after losing the board, before it decides what to send.
        public var reconcileOnly = false
        /// The cartridge this session's dots need (a catalogue name). When the board has another fitted, the
        /// session starts with the operator step's board side: `disarm`, `cartridge_fitted`, `arm`, and one
        /// touch-off at a stored node of the kept map to re-zero it for the new needle.
        public var fitCartridge: String?
        /// Disarm the board once every dot has its record: the next group needs another cartridge, and the
        /// operator's hands come near the needle.
        public var disarmWhenFinished = false
        /// Probe a grid covering these dots rather than only the session's: the later needle groups of the run
        /// stream over the map this session measures.
        public var probeArea: [MotionDot]?
        /// The operator step made just before this session (its event opens the session's log).
        public var operatorStep: OperatorStep?

        public init() {}
    }
}
