import SMPHardware
import SMPWire

extension BoardLimits {
    /// The limits a board with this definition announces in its hello and enforces: lengths in micrometres, rates
    /// in centihertz. SMPWire imports nothing of ours, so the conversion lives here, where both are visible.
    public init(_ board: BoardDefinition) {
        self.init(
            travelXMicrometres: UInt32(board.axes.x.travelMM * 1000),
            travelYMicrometres: UInt32(board.axes.y.travelMM * 1000),
            travelZMicrometres: UInt32(board.axes.z.travelMM * 1000),
            positionResolutionMicrometres: UInt32(board.axes.x.resolutionUM),
            maxSpeedXYMicrometresPerSecond: UInt32(
                min(board.axes.x.maxSpeedMMPerS, board.axes.y.maxSpeedMMPerS) * 1000),
            maxAccelerationXYMicrometresPerSecond2: UInt32(
                min(board.axes.x.maxAccelMMPerS2, board.axes.y.maxAccelMMPerS2) * 1000),
            maxSpeedZMicrometresPerSecond: UInt32(board.axes.z.maxSpeedMMPerS * 1000),
            maxAccelerationZMicrometresPerSecond2: UInt32(board.axes.z.maxAccelMMPerS2 * 1000),
            hangCeilingMicrometres: UInt32(board.hangCeilingMM * 1000),
            retractClearanceMicrometres: UInt32(board.retractClearanceMM * 1000),
            motorMinCentihertz: UInt32(board.motor.minHz * 100), motorMaxCentihertz: UInt32(board.motor.maxHz * 100),
            maxStrokesPerDot: UInt8(min(board.maxStrokesPerDot, DotCompletion.maximumStrokes)),
            watchdogMilliseconds: UInt32(board.watchdogMS), minimumLeadMicroseconds: UInt32(board.minLeadMicros),
            zResolutionMicrometres: UInt32(board.axes.z.resolutionUM),
            minimumClearanceMicrometres: UInt32(board.minClearanceUM),
            fullDepthToleranceMicrometres: UInt32(board.fullDepthToleranceUM),
            probeApproachSpeedMicrometresPerSecond: UInt32((board.probe.approachSpeedMMPerS * 1000).rounded()),
            probeSpeedMicrometresPerSecond: UInt32((board.probe.speedMMPerS * 1000).rounded()),
            probeThresholdMillinewtons: UInt32(board.probe.thresholdMN),
            probeForceLimitMillinewtons: UInt32(board.probe.forceLimitMN),
            probeMaxTravelMicrometres: UInt32((board.probe.maxTravelMM * 1000).rounded()),
            surfaceMaxNodes: UInt32(board.surfaceMaxNodes))
    }
}
