import Foundation
import SMPWire

/// A driver board's limits, clock and identity, as `Hardware/<model>/board.json` defines them.
///
/// SMPWire's handshake carries the same limits to the host; the simulator reads them from the file so that a
/// firmware engineer can simulate a board variant by editing JSON.
public struct BoardDefinition: Codable, Equatable, Sendable {
    /// The only file format this loader understands.
    public static let formatTag = "smpctl-board/1"
    /// Board time counts microseconds; every timestamp in the simulator assumes this clock.
    public static let requiredClockHz = 1_000_000

    /// One linear axis's travel and dynamics.
    public struct AxisLimits: Codable, Equatable, Sendable {
        public var travelMM: Double
        public var maxSpeedMMPerS: Double
        public var maxAccelMMPerS2: Double
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
    public struct Axes: Codable, Equatable, Sendable {
        public var x: AxisLimits
        public var y: AxisLimits
        public var z: AxisLimits
    }

    /// USB identity.
    public struct USB: Codable, Equatable, Sendable {
        public var vendorID: Int
        public var productID: Int

        enum CodingKeys: String, CodingKey {
            case vendorID = "vendor_id"
            case productID = "product_id"
        }
    }

    /// Serial line settings (the PTY ignores the baud rate; it is recorded for completeness).
    public struct Serial: Codable, Equatable, Sendable {
        public var baud: Int
    }

    /// Stroke-rate range of the rotary motor.
    public struct Motor: Codable, Equatable, Sendable {
        public var minHz: Double
        public var maxHz: Double

        enum CodingKeys: String, CodingKey {
            case minHz = "min_hz"
            case maxHz = "max_hz"
        }
    }

    /// Touch-off (probing) parameters.
    public struct Probe: Codable, Equatable, Sendable {
        /// Z speed from the retract height to the approach Z (mm/s).
        public var approachSpeedMMPerS: Double
        /// Z speed of the slow descent (mm/s).
        public var speedMMPerS: Double
        /// Contact threshold (mN).
        public var thresholdMN: Int
        /// Peak load beyond which the touch-off is a fault (mN).
        public var forceLimitMN: Int
        /// Descent without contact after which the touch-off is a fault (mm).
        public var maxTravelMM: Double

        enum CodingKeys: String, CodingKey {
            case approachSpeedMMPerS = "approach_speed_mm_s"
            case speedMMPerS = "speed_mm_s"
            case thresholdMN = "threshold_mn"
            case forceLimitMN = "force_limit_mn"
            case maxTravelMM = "max_travel_mm"
        }
    }

    public var format: String
    public var model: String
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
        case format, model, usb, serial, axes, motor
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

    /// Loads and validates a board file; errors name `path` and the field.
    public static func load(from path: String) throws(SimulatorInputError) -> BoardDefinition {
        let board = try JSONFileLoader.load(BoardDefinition.self, from: path)
        try board.validate(source: path)
        return board
    }

    /// Decodes and validates a board definition from bytes; `source` names them in errors.
    public static func decode(_ data: Data, source: String) throws(SimulatorInputError) -> BoardDefinition {
        let board = try JSONFileLoader.decode(BoardDefinition.self, from: data, source: source)
        try board.validate(source: source)
        return board
    }

    /// Checks every limit is usable; the first problem is thrown with its field name.
    public func validate(source: String) throws(SimulatorInputError) {
        let check = DefinitionValidator(source: source)
        try check.require(
            format == Self.formatTag, "format", "expected \"\(Self.formatTag)\", got \"\(format)\"")
        try check.require(
            !model.isEmpty && model.utf8.count <= ByteWriter.maximumStringLength, "model",
            "expected 1-\(ByteWriter.maximumStringLength) bytes (it travels in the hello), got \(model.utf8.count)")
        try check.require(
            clockHz == Self.requiredClockHz, "clock_hz",
            "expected \(Self.requiredClockHz) (board time is counted in microseconds), got \(clockHz)")
        // Upper bounds keep every limit representable in the hello's micrometre fields (UInt32).
        for (name, axis) in [("x", axes.x), ("y", axes.y), ("z", axes.z)] {
            try check.within(axis.travelMM, 0.001...2000, "axes.\(name).travel_mm")
            try check.within(axis.maxSpeedMMPerS, 0.001...2000, "axes.\(name).max_speed_mm_s")
            try check.within(axis.maxAccelMMPerS2, 0.001...1_000_000, "axes.\(name).max_accel_mm_s2")
            try check.require(
                (1...10_000).contains(axis.resolutionUM), "axes.\(name).resolution_um",
                "expected 1...10000, got \(axis.resolutionUM)")
        }
        try check.positive(hangCeilingMM, "hang_ceiling_mm")
        try check.require(
            hangCeilingMM <= axes.z.travelMM, "hang_ceiling_mm",
            "expected at most the Z travel (\(axes.z.travelMM) mm), got \(hangCeilingMM)")
        try check.positive(retractClearanceMM, "retract_clearance_mm")
        try check.require(
            retractClearanceMM < axes.z.travelMM, "retract_clearance_mm",
            "expected less than the Z travel (\(axes.z.travelMM) mm), got \(retractClearanceMM)")
        try check.within(motor.minHz, 0.001...1000, "motor.min_hz")
        try check.require(
            motor.maxHz.isFinite && motor.maxHz >= motor.minHz && motor.maxHz <= 1000, "motor.max_hz",
            "expected a number from motor.min_hz (\(motor.minHz)) to 1000, got \(motor.maxHz)")
        try check.require(
            (1...255).contains(maxStrokesPerDot), "max_strokes_per_dot", "expected 1...255, got \(maxStrokesPerDot)")
        try check.require(
            (1...65_535).contains(queueCapacity), "queue_capacity", "expected 1...65535, got \(queueCapacity)")
        try check.require(
            (1...60_000).contains(watchdogMS), "watchdog_ms", "expected 1...60000, got \(watchdogMS)")
        try check.require(
            (0...60_000).contains(minLeadTimeMS), "min_lead_time_ms", "expected 0...60000, got \(minLeadTimeMS)")
        try check.require(
            (1...10_000).contains(minClearanceUM), "min_clearance_um", "expected 1...10000, got \(minClearanceUM)")
        try check.require(
            (1...1_000).contains(fullDepthToleranceUM), "full_depth_tolerance_um",
            "expected 1...1000, got \(fullDepthToleranceUM)")
        try check.require(
            (4...1_024).contains(surfaceMaxNodes), "surface_max_nodes", "expected 4...1024, got \(surfaceMaxNodes)")
        try check.within(probe.approachSpeedMMPerS, 0.001...axes.z.maxSpeedMMPerS, "probe.approach_speed_mm_s")
        try check.within(probe.speedMMPerS, 0.001...probe.approachSpeedMMPerS, "probe.speed_mm_s")
        try check.require(
            (1...1_000).contains(probe.thresholdMN), "probe.threshold_mn", "expected 1...1000, got \(probe.thresholdMN)"
        )
        try check.require(
            probe.forceLimitMN > 2 * probe.thresholdMN && probe.forceLimitMN <= 10_000, "probe.force_limit_mn",
            "expected more than twice probe.threshold_mn (the descent measures up to it) and at most 10000, got "
                + "\(probe.forceLimitMN)")
        try check.within(probe.maxTravelMM, 0.001...axes.z.travelMM, "probe.max_travel_mm")
        try check.require(
            (0...0xFFFF).contains(usb.vendorID), "usb.vendor_id", "expected 0...65535, got \(usb.vendorID)")
        try check.require(
            (0...0xFFFF).contains(usb.productID), "usb.product_id", "expected 0...65535, got \(usb.productID)")
    }

    /// Z range in hang coordinates: the top of travel is `hang_ceiling_mm - travel`, the bottom the ceiling.
    public var hangRangeMM: ClosedRange<Double> { (hangCeilingMM - axes.z.travelMM)...hangCeilingMM }
    /// Watchdog limit in board microseconds.
    public var watchdogMicros: UInt64 { UInt64(watchdogMS) * 1000 }
    /// Minimum lead time in board microseconds.
    public var minLeadMicros: UInt64 { UInt64(minLeadTimeMS) * 1000 }
}
