/// One dot to schedule: where, how deep past the measured surface, how many strokes at what rate, with which
/// cartridge.
public struct MotionDot: Sendable, Equatable {
    /// The plan's dot id (carried through; the wire's ids are the controller's business).
    public var id: Int
    public var xMM: Double
    public var yMM: Double
    /// Depth of the needle tip at the bottom of its stroke past the surface the board measured here (mm).
    public var localHangMM: Double
    public var strokes: Int
    public var rateHz: Double
    /// The needle group fitted for this dot (e.g. `3RL`); a change between dots is a cartridge change.
    public var cartridge: String

    public init(
        id: Int, xMM: Double, yMM: Double, localHangMM: Double, strokes: Int, rateHz: Double, cartridge: String
    ) {
        self.id = id
        self.xMM = xMM
        self.yMM = yMM
        self.localHangMM = localHangMM
        self.strokes = strokes
        self.rateHz = rateHz
        self.cartridge = cartridge
    }
}

/// Where the machine is when the schedule begins.
public struct MotionStart: Sendable, Equatable {
    /// Schedule time (µs) of the first command.
    public var time: UInt64
    /// X/Y (mm).
    public var xMM: Double
    public var yMM: Double
    /// Z in axis hang coordinates (mm; negative is above the contact plane).
    public var zMM: Double
    /// The motor at `time`: cam phase (revolutions; n + ½ is a stroke bottom), speed and drive (Hz).
    public var camPhase: Double
    public var motorRateHz: Double
    public var motorDriveHz: Double

    public init(
        time: UInt64 = 0, xMM: Double, yMM: Double, zMM: Double, camPhase: Double = 0, motorRateHz: Double = 0,
        motorDriveHz: Double = 0
    ) {
        self.time = time
        self.xMM = xMM
        self.yMM = yMM
        self.zMM = zMM
        self.camPhase = camPhase
        self.motorRateHz = motorRateHz
        self.motorDriveHz = motorDriveHz
    }

    /// The board at power-up: X/Y at `home`, Z at its resting height, motor at rest with the cam at the top of its
    /// stroke (phase 0).
    public static func powerUp(machine: MotionMachine, homeXMM: Double = 0, homeYMM: Double = 0, time: UInt64 = 0)
        -> MotionStart
    {
        MotionStart(time: time, xMM: homeXMM, yMM: homeYMM, zMM: machine.restingZMM)
    }
}

/// One dot as the board will execute it. Times are schedule-clock microseconds (board time minus time held).
public struct ScheduledDot: Sendable, Equatable {
    public var id: Int
    /// The start time the host sends; the board starts the dot then (the previous command has ended by then).
    public var start: UInt64
    /// The values on the wire.
    public var xMicrometres: Int32
    public var yMicrometres: Int32
    public var localHangMicrometres: Int32
    public var liftMicrometres: UInt32
    public var strokes: Int
    public var rateCentihertz: UInt32
    /// Hop done (Z at the hop height, X/Y at the site): the board checks the motor's rate here.
    public var hopEnd: UInt64
    /// Z starts down, phase-locked to the cam.
    public var descentStart: UInt64
    /// The first and last counted stroke bottoms (s of schedule time, unrounded).
    public var firstStrokeBottomS: Double
    public var lastStrokeBottomS: Double
    /// Z starts back up.
    public var ascentStart: UInt64
    /// Z at the lift: the dot is over and its queue slot frees.
    public var end: UInt64
    /// Where the board puts X/Y (mm): the wire values rounded to the board's resolution.
    public var xMM: Double
    public var yMM: Double
    /// Axis Z (mm, hang coordinates) of the hop height, the hang, and the dot's own lift where its ascent ends.
    public var hopZMM: Double
    public var hangZMM: Double
    public var liftZMM: Double
}

/// A `set_stroke_rate` the host queues, in queue order just before dot `beforeDot` (an index into the dots).
public struct RateChange: Sendable, Equatable {
    /// Start time sent and the time the board executes it (µs).
    public var time: UInt64
    public var centihertz: UInt32
    public var beforeDot: Int
}

/// A pause for a cartridge change before dot `beforeDot`: the motor is stopped at `start`, the next dot starts no
/// earlier than `end`.
public struct CartridgeChange: Sendable, Equatable {
    public var start: UInt64
    public var end: UInt64
    public var beforeDot: Int
    public var cartridge: String
}

/// The whole actuation schedule of a session and its time budget.
public struct MotionSchedule: Sendable, Equatable {
    /// Where time went (s); the parts add up to ``totalSeconds``.
    public struct Breakdown: Sendable, Equatable {
        /// Z raised to the hop height and X/Y to the site.
        public var hopSeconds = 0.0
        /// Waiting at the site for the cam to come round (the phase lock).
        public var phaseLockSeconds = 0.0
        /// Z down to the hang and back up to the lift.
        public var dipSeconds = 0.0
        /// Z at the hang: the strokes, with the phase-lock margins.
        public var strokeSeconds = 0.0
        /// Dots held back for the motor to reach their rate (spin-up, rate changes that cannot overlap earlier
        /// dots).
        public var motorWaitSeconds = 0.0
        public var cartridgeChangeSeconds = 0.0

        public var totalSeconds: Double {
            hopSeconds + phaseLockSeconds + dipSeconds + strokeSeconds + motorWaitSeconds + cartridgeChangeSeconds
        }
    }

    public var machine: MotionMachine
    public var start: MotionStart
    public var liftMM: Double
    public var dots: [ScheduledDot]
    public var rateChanges: [RateChange]
    public var cartridgeChanges: [CartridgeChange]
    public var breakdown: Breakdown

    /// Schedule time the last dot ends (µs).
    public var end: UInt64 { dots.last?.end ?? start.time }
    /// The estimate: from the schedule's start to the end of the last dot (s).
    public var durationSeconds: Double { Double(end - start.time) / 1_000_000 }
    /// Dots per second over the whole schedule.
    public var dotsPerSecond: Double { durationSeconds > 0 ? Double(dots.count) / durationSeconds : 0 }
}
