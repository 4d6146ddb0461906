import Foundation

/// A driver board's identity, limits and clock, as `Hardware/<model>/board.json` defines them: the one board type
/// every module reads (the transport its USB ids, planning its kinematics, the simulator all of it).
///
/// Reading is strict: every key the format has is required, an unknown key is refused, and every number is checked
/// against its range and against the others (``validate(file:)``). The first problem is thrown as a
/// ``HardwareDefinitionError`` naming the file, the JSON path, what was found and what was expected.
public struct BoardDefinition: Encodable, Hashable, Sendable {
    /// The only file format this reader understands.
    public static let formatTag = "smpctl-board/1"
    /// Board time counts microseconds; every timestamp on the wire assumes this clock.
    public static let requiredClockHz = 1_000_000
    /// The model name travels in the hello as a string of at most this many bytes.
    public static let maximumModelBytes = 64

    /// One linear axis's travel and dynamics.
    public struct AxisLimits: Encodable, Hashable, Sendable {
        public var travelMM: Double
        public var maxSpeedMMPerS: Double
        public var maxAccelMMPerS2: Double
        /// Smallest step the axis resolves; positions are rounded to it.
        public var resolutionUM: Int

        enum CodingKeys: String, CodingKey {
            case travelMM = "travel_mm"
            case maxSpeedMMPerS = "max_speed_mm_s"
            case maxAccelMMPerS2 = "max_accel_mm_s2"
            case resolutionUM = "resolution_um"
        }

        public init(travelMM: Double, maxSpeedMMPerS: Double, maxAccelMMPerS2: Double, resolutionUM: Int) {
            self.travelMM = travelMM
            self.maxSpeedMMPerS = maxSpeedMMPerS
            self.maxAccelMMPerS2 = maxAccelMMPerS2
            self.resolutionUM = resolutionUM
        }
    }

    /// The three axes.
    public struct Axes: Encodable, Hashable, Sendable {
        public var x: AxisLimits
        public var y: AxisLimits
        public var z: AxisLimits

        public init(x: AxisLimits, y: AxisLimits, z: AxisLimits) {
            self.x = x
            self.y = y
            self.z = z
        }
    }

    /// USB identity of the board's CDC-ACM interface.
    public struct USB: Encodable, Hashable, Sendable {
        public var vendorID: Int
        public var productID: Int

        enum CodingKeys: String, CodingKey {
            case vendorID = "vendor_id"
            case productID = "product_id"
        }

        public init(vendorID: Int, productID: Int) {
            self.vendorID = vendorID
            self.productID = productID
        }
    }

    /// Serial line settings (a pseudo-terminal ignores the baud rate).
    public struct Serial: Encodable, Hashable, Sendable {
        public var baud: Int

        public init(baud: Int) { self.baud = baud }
    }

    /// Stroke-rate range of the rotary motor.
    public struct Motor: Encodable, Hashable, Sendable {
        public var minHz: Double
        public var maxHz: Double

        enum CodingKeys: String, CodingKey {
            case minHz = "min_hz"
            case maxHz = "max_hz"
        }

        public init(minHz: Double, maxHz: Double) {
            self.minHz = minHz
            self.maxHz = maxHz
        }
    }

    /// Touch-off (probing) parameters.
    public struct Probe: Encodable, Hashable, Sendable {
        /// Z speed from the retract height to the approach Z (mm/s): slow enough that a contact met on the way
        /// stops below the force limit.
        public var approachSpeedMMPerS: Double
        /// Z speed of the slow descent below the approach Z (mm/s).
        public var speedMMPerS: Double
        /// Load that marks contact (mN).
        public var thresholdMN: Int
        /// Peak load beyond which the touch-off is a fault (mN).
        public var forceLimitMN: Int
        /// Descent without contact after which the touch-off is a fault (mm).
        public var maxTravelMM: Double
        /// Where the numbers come from.
        public var provenance: String

        enum CodingKeys: String, CodingKey {
            case approachSpeedMMPerS = "approach_speed_mm_s"
            case speedMMPerS = "speed_mm_s"
            case thresholdMN = "threshold_mn"
            case forceLimitMN = "force_limit_mn"
            case maxTravelMM = "max_travel_mm"
            case provenance
        }

        public init(
            approachSpeedMMPerS: Double, speedMMPerS: Double, thresholdMN: Int, forceLimitMN: Int,
            maxTravelMM: Double, provenance: String
        ) {
            self.approachSpeedMMPerS = approachSpeedMMPerS
            self.speedMMPerS = speedMMPerS
            self.thresholdMN = thresholdMN
            self.forceLimitMN = forceLimitMN
            self.maxTravelMM = maxTravelMM
            self.provenance = provenance
        }
    }

    public var format: String
    /// The model name, e.g. `smp-driver-r1`.
    public var model: String
    /// What the board is, for people.
    public var description: String
    /// Where the numbers come from (`[S]` sourced, `[E]` engineering estimate).
    public var provenance: String
    public var usb: USB
    public var serial: Serial
    public var clockHz: Int
    public var axes: Axes
    /// Absolute hang ceiling: a command asking for more is rejected with a fault, never clamped.
    public var hangCeilingMM: Double
    /// How far Z goes up (towards shallower) when the board enters its safe state.
    public var retractClearanceMM: Double
    public var motor: Motor
    public var maxStrokesPerDot: Int
    /// How many commands the board's queue holds.
    public var queueCapacity: Int
    /// Host silence longer than this puts the board in its safe state.
    public var watchdogMS: Int
    /// A timed command must arrive at least this long before its start time.
    public var minLeadTimeMS: Int
    /// Least lift a dot train may ask: the stroking needle's bottom stays this far above the measured skin.
    public var minClearanceUM: Int
    /// A stroke bottom counts when the axis Z is within this of the dot's executed Z.
    public var fullDepthToleranceUM: Int
    /// Most nodes of a surface grid.
    public var surfaceMaxNodes: Int
    public var probe: Probe

    enum CodingKeys: String, CodingKey {
        case format, model, description, provenance, usb, serial, axes, motor
        case clockHz = "clock_hz"
        case hangCeilingMM = "hang_ceiling_mm"
        case retractClearanceMM = "retract_clearance_mm"
        case maxStrokesPerDot = "max_strokes_per_dot"
        case queueCapacity = "queue_capacity"
        case watchdogMS = "watchdog_ms"
        case minLeadTimeMS = "min_lead_time_ms"
        case minClearanceUM = "min_clearance_um"
        case fullDepthToleranceUM = "full_depth_tolerance_um"
        case surfaceMaxNodes = "surface_max_nodes"
        case probe
    }

    /// Z range in hang coordinates: the top of travel is `hang_ceiling_mm - travel`, the bottom the ceiling.
    public var hangRangeMM: ClosedRange<Double> { (hangCeilingMM - axes.z.travelMM)...hangCeilingMM }
    /// Watchdog limit in board microseconds.
    public var watchdogMicros: UInt64 { UInt64(watchdogMS) * 1000 }
    /// Minimum lead time in board microseconds.
    public var minLeadMicros: UInt64 { UInt64(minLeadTimeMS) * 1000 }

    /// Reads and validates the board file at `path`; errors name `path` and the field.
    public static func load(from path: String) throws(HardwareDefinitionError) -> BoardDefinition {
        try read(DefinitionNode.read(file: path))
    }

    /// Reads and validates a board definition from bytes; `source` names them in errors.
    public static func decode(_ data: Data, source: String) throws(HardwareDefinitionError) -> BoardDefinition {
        try read(DefinitionNode.parse(data, file: source))
    }

    private static func read(_ root: DefinitionNode) throws(HardwareDefinitionError) -> BoardDefinition {
        let top = try root.object(required: [
            "format", "model", "description", "provenance", "usb", "serial", "clock_hz", "axes", "hang_ceiling_mm",
            "retract_clearance_mm", "motor", "max_strokes_per_dot", "queue_capacity", "watchdog_ms",
            "min_lead_time_ms", "min_clearance_um", "full_depth_tolerance_um", "surface_max_nodes", "probe",
        ])
        _ = try top["format"].string(equalTo: formatTag)
        let usbNode = try top["usb"].object(
            required: ["vendor_id", "product_id"], optional: ["vendor_id_hex", "product_id_hex"])
        let usb = USB(
            vendorID: try usbNode["vendor_id"].integer(in: 0...0xFFFF),
            productID: try usbNode["product_id"].integer(in: 0...0xFFFF))
        for (key, id) in [("vendor_id_hex", usb.vendorID), ("product_id_hex", usb.productID)] {
            // The hex spelling is for people reading the file; it must say the same as the number.
            if let hex = usbNode.optional(key) {
                let expected = "0x" + String(format: "%04x", id)
                guard case .string(let text) = hex.value, text.lowercased() == expected else {
                    throw hex.fail(expected: "\"\(expected)\" (the same id as the decimal value)")
                }
            }
        }
        let serialNode = try top["serial"].object(required: ["baud"])
        let axesNode = try top["axes"].object(required: ["x", "y", "z"])
        func axis(_ name: String) throws(HardwareDefinitionError) -> AxisLimits {
            let node = try axesNode[name].object(required: [
                "travel_mm", "max_speed_mm_s", "max_accel_mm_s2", "resolution_um",
            ])
            return AxisLimits(
                travelMM: try node["travel_mm"].number(),
                maxSpeedMMPerS: try node["max_speed_mm_s"].number(),
                maxAccelMMPerS2: try node["max_accel_mm_s2"].number(),
                resolutionUM: try node["resolution_um"].integer())
        }
        let motorNode = try top["motor"].object(required: ["min_hz", "max_hz"])
        let probeNode = try top["probe"].object(required: [
            "approach_speed_mm_s", "speed_mm_s", "threshold_mn", "force_limit_mn", "max_travel_mm", "provenance",
        ])
        let board = BoardDefinition(
            format: formatTag,
            model: try top["model"].string(maximumBytes: maximumModelBytes),
            description: try top["description"].string(),
            provenance: try top["provenance"].string(),
            usb: usb,
            serial: Serial(baud: try serialNode["baud"].integer()),
            clockHz: try top["clock_hz"].integer(),
            axes: Axes(x: try axis("x"), y: try axis("y"), z: try axis("z")),
            hangCeilingMM: try top["hang_ceiling_mm"].number(),
            retractClearanceMM: try top["retract_clearance_mm"].number(),
            motor: Motor(
                minHz: try motorNode["min_hz"].number(),
                maxHz: try motorNode["max_hz"].number()),
            maxStrokesPerDot: try top["max_strokes_per_dot"].integer(),
            queueCapacity: try top["queue_capacity"].integer(),
            watchdogMS: try top["watchdog_ms"].integer(),
            minLeadTimeMS: try top["min_lead_time_ms"].integer(),
            minClearanceUM: try top["min_clearance_um"].integer(),
            fullDepthToleranceUM: try top["full_depth_tolerance_um"].integer(),
            surfaceMaxNodes: try top["surface_max_nodes"].integer(),
            probe: Probe(
                approachSpeedMMPerS: try probeNode["approach_speed_mm_s"].number(),
                speedMMPerS: try probeNode["speed_mm_s"].number(),
                thresholdMN: try probeNode["threshold_mn"].integer(),
                forceLimitMN: try probeNode["force_limit_mn"].integer(),
                maxTravelMM: try probeNode["max_travel_mm"].number(),
                provenance: try probeNode["provenance"].string()))
        try board.validate(file: root.file)
        return board
    }

    public init(
        format: String = BoardDefinition.formatTag, model: String, description: String, provenance: String, usb: USB,
        serial: Serial, clockHz: Int, axes: Axes, hangCeilingMM: Double, retractClearanceMM: Double, motor: Motor,
        maxStrokesPerDot: Int, queueCapacity: Int, watchdogMS: Int, minLeadTimeMS: Int, minClearanceUM: Int,
        fullDepthToleranceUM: Int, surfaceMaxNodes: Int, probe: Probe
    ) {
        self.format = format
        self.model = model
        self.description = description
        self.provenance = provenance
        self.usb = usb
        self.serial = serial
        self.clockHz = clockHz
        self.axes = axes
        self.hangCeilingMM = hangCeilingMM
        self.retractClearanceMM = retractClearanceMM
        self.motor = motor
        self.maxStrokesPerDot = maxStrokesPerDot
        self.queueCapacity = queueCapacity
        self.watchdogMS = watchdogMS
        self.minLeadTimeMS = minLeadTimeMS
        self.minClearanceUM = minClearanceUM
        self.fullDepthToleranceUM = fullDepthToleranceUM
        self.surfaceMaxNodes = surfaceMaxNodes
        self.probe = probe
    }

    /// Checks every limit is usable and the limits agree with each other; the first problem is thrown with its
    /// JSON path. The upper bounds keep every limit representable in the hello's micrometre fields (UInt32).
    public func validate(file: String) throws(HardwareDefinitionError) {
        func require(_ condition: Bool, _ path: String, _ found: String, _ expected: String)
            throws(HardwareDefinitionError)
        {
            guard condition else {
                throw HardwareDefinitionError(.badData, file: file, path: path, found: found, expected: expected)
            }
        }
        func within(_ value: Double, _ range: ClosedRange<Double>, _ path: String, _ unit: String)
            throws(HardwareDefinitionError)
        {
            try require(
                value.isFinite && range.contains(value), path, decimalText(value),
                "a number from \(decimalText(range.lowerBound)) to \(decimalText(range.upperBound)) \(unit)")
        }
        func within(_ value: Int, _ range: ClosedRange<Int>, _ path: String, _ why: String = "")
            throws(HardwareDefinitionError)
        {
            try require(
                range.contains(value), path, String(value),
                "an integer from \(range.lowerBound) to \(range.upperBound)\(why.isEmpty ? "" : " (\(why))")")
        }
        try require(format == Self.formatTag, "format", "\"\(format)\"", "\"\(Self.formatTag)\"")
        try require(
            !model.isEmpty && model.utf8.count <= Self.maximumModelBytes, "model", "\(model.utf8.count) bytes",
            "1-\(Self.maximumModelBytes) bytes (it travels in the hello)")
        try require(
            clockHz == Self.requiredClockHz, "clock_hz", String(clockHz),
            "\(Self.requiredClockHz) (board time is counted in microseconds)")
        try within(serial.baud, 1200...12_000_000, "serial.baud")
        for (name, axis) in [("x", axes.x), ("y", axes.y), ("z", axes.z)] {
            try within(axis.travelMM, 0.001...2000, "axes.\(name).travel_mm", "mm")
            try within(axis.maxSpeedMMPerS, 0.001...2000, "axes.\(name).max_speed_mm_s", "mm/s")
            try within(axis.maxAccelMMPerS2, 0.001...1_000_000, "axes.\(name).max_accel_mm_s2", "mm/s^2")
            try within(axis.resolutionUM, 1...10_000, "axes.\(name).resolution_um")
            try require(
                Double(axis.resolutionUM) <= axis.travelMM * 1000, "axes.\(name).resolution_um",
                String(axis.resolutionUM), "at most the axis travel (\(decimalText(axis.travelMM * 1000)) um)")
        }
        try require(
            axes.y.resolutionUM == axes.x.resolutionUM, "axes.y.resolution_um", String(axes.y.resolutionUM),
            "\(axes.x.resolutionUM), the X resolution (the hello carries one X/Y resolution)")
        try require(
            hangCeilingMM.isFinite && hangCeilingMM > 0 && hangCeilingMM <= axes.z.travelMM, "hang_ceiling_mm",
            decimalText(hangCeilingMM), "more than 0 and at most the Z travel (\(decimalText(axes.z.travelMM)) mm)")
        try require(
            retractClearanceMM.isFinite && retractClearanceMM > 0
                && retractClearanceMM <= axes.z.travelMM - hangCeilingMM,
            "retract_clearance_mm", decimalText(retractClearanceMM),
            "more than 0 and at most the Z travel above the skin plane "
                + "(\(decimalText(axes.z.travelMM - hangCeilingMM)) mm = travel - hang ceiling)")
        try within(motor.minHz, 0.001...1000, "motor.min_hz", "Hz")
        try require(
            motor.maxHz.isFinite && motor.maxHz > motor.minHz && motor.maxHz <= 1000, "motor.max_hz",
            decimalText(motor.maxHz), "a number above motor.min_hz (\(decimalText(motor.minHz))) and at most 1000 Hz")
        try within(maxStrokesPerDot, 1...255, "max_strokes_per_dot")
        try within(queueCapacity, 1...65_535, "queue_capacity", "the hello's queue size is 16 bits")
        try within(watchdogMS, 1...60_000, "watchdog_ms")
        try within(minLeadTimeMS, 0...60_000, "min_lead_time_ms")
        try within(minClearanceUM, 1...10_000, "min_clearance_um")
        try within(fullDepthToleranceUM, 1...1_000, "full_depth_tolerance_um")
        try within(surfaceMaxNodes, 4...1_024, "surface_max_nodes", "a grid is 2x2 to 32x32 nodes")
        try within(probe.approachSpeedMMPerS, 0.001...axes.z.maxSpeedMMPerS, "probe.approach_speed_mm_s", "mm/s")
        try within(probe.speedMMPerS, 0.001...probe.approachSpeedMMPerS, "probe.speed_mm_s", "mm/s")
        try within(probe.thresholdMN, 1...1_000, "probe.threshold_mn")
        try require(
            probe.forceLimitMN > 2 * probe.thresholdMN && probe.forceLimitMN <= 10_000, "probe.force_limit_mn",
            String(probe.forceLimitMN),
            "more than twice probe.threshold_mn (the descent measures up to it) and at most 10000")
        try within(probe.maxTravelMM, 0.001...axes.z.travelMM, "probe.max_travel_mm", "mm")
    }
}
