extension Message {
    /// The message's type code and payload.
    public func encoded() throws(MessageEncodingError) -> RawMessage {
        var writer = ByteWriter()
        switch self {
        case .hostHello(let hello):
            writer.writeUInt16(hello.protocolVersion)
            writer.writeUInt32(hello.schemaHash)
            writer.writeUInt32(hello.sessionID)
            try writer.writeString(hello.hostSoftware, field: "host_software")
        case .boardHello(let hello):
            try Self.write(hello, to: &writer)
        case .dotTrain(let train):
            try DotTrainCodec.encode(train, to: &writer)
        case .moveTo(let move):
            writer.writeVarint(move.startTime)
            writer.writeSignedVarint(Int64(move.xMicrometres))
            writer.writeSignedVarint(Int64(move.yMicrometres))
        case .setStrokeRate(let change):
            writer.writeVarint(change.startTime)
            writer.writeVarint(UInt64(change.centihertz))
        case .touchOff(let probe):
            writer.writeVarint(probe.startTime)
            writer.writeSignedVarint(Int64(probe.xMicrometres))
            writer.writeSignedVarint(Int64(probe.yMicrometres))
            writer.writeSignedVarint(Int64(probe.approachMicrometres))
            writer.writeVarint(UInt64(probe.node))
        case .surfaceGrid(let grid):
            writer.writeSignedVarint(Int64(grid.originXMicrometres))
            writer.writeSignedVarint(Int64(grid.originYMicrometres))
            writer.writeVarint(UInt64(grid.spacingMicrometres))
            writer.write(grid.nx)
            writer.write(grid.ny)
        case .hold, .resume, .emergencyStop, .statusQuery, .arm, .flushQueue, .disarm:
            break
        case .cartridgeFitted(let fitted):
            try writer.writeString(fitted.cartridge, field: "cartridge")
        case .touchOffResult(let result):
            writer.writeSignedVarint(Int64(result.xMicrometres))
            writer.writeSignedVarint(Int64(result.yMicrometres))
            writer.writeSignedVarint(Int64(result.contactZMicrometres))
            writer.writeUInt16(result.peakLoadMillinewtons)
            writer.write(result.outcome.rawValue)
        case .strokeDetail(let detail):
            guard detail.strokes.count <= StrokeDetail.maximumSamples else {
                throw .tooManyItems(
                    field: "strokes", count: detail.strokes.count, maximum: StrokeDetail.maximumSamples)
            }
            writer.writeVarint(UInt64(detail.dotID))
            writer.write(UInt8(detail.strokes.count))
            for sample in detail.strokes {
                writer.writeVarint(UInt64(sample.offsetMicroseconds))
                writer.writeSignedVarint(Int64(sample.zMicrometres))
                writer.writeUInt16(sample.peakLoadMillinewtons)
                writer.writeUInt16(sample.bottomLoadMillinewtons)
                writer.writeVarint(UInt64(sample.rateCentihertz))
                writer.write(sample.counted ? 1 : 0)
            }
        case .completions(let batch):
            try CompletionCodec.encode(batch, to: &writer)
        case .fault(let fault):
            writer.writeVarint(UInt64(fault.code.rawValue))
            writer.writeVarint(fault.boardTime)
            writer.writeVarint(UInt64(fault.dotID))
            writer.writeSignedVarint(fault.value)
        case .status(let status):
            writer.writeVarint(status.boardTime)
            writer.writeVarint(status.scheduleTime)
            writer.write(status.state.rawValue)
            writer.writeVarint(UInt64(status.queueDepth))
            writer.writeVarint(UInt64(status.queueFree))
            writer.writeSignedVarint(Int64(status.xMicrometres))
            writer.writeSignedVarint(Int64(status.yMicrometres))
            writer.writeSignedVarint(Int64(status.zMicrometres))
            writer.writeVarint(UInt64(status.motorCentihertz))
            writer.writeVarint(UInt64(status.lastCompletedDot))
            writer.writeVarint(UInt64(status.activeFault.rawValue))
            writer.writeVarint(UInt64(status.dotInProgress))
            writer.write(status.surfaceMode.rawValue)
        }
        guard writer.bytes.count <= Frame.maximumPayloadLength else { throw .payloadTooLong(writer.bytes.count) }
        return RawMessage(type: type.rawValue, payload: writer.bytes)
    }

    /// Interprets a raw message; every field is range-checked and trailing bytes are refused.
    public init(decoding raw: RawMessage) throws(MessageDecodingError) {
        guard let type = MessageType(rawValue: raw.type) else { throw .unknownMessageType(raw.type) }
        var reader = ByteReader(raw.payload)
        switch type {
        case .hostHello:
            let version = try reader.readUInt16("protocol_version")
            let hash = try reader.readUInt32("schema_hash")
            let session = try reader.readUInt32("session_id")
            let software = try reader.readString("host_software")
            self = .hostHello(
                HostHello(protocolVersion: version, schemaHash: hash, sessionID: session, hostSoftware: software))
        case .boardHello:
            self = .boardHello(try Self.readBoardHello(&reader))
        case .dotTrain:
            self = .dotTrain(try DotTrainCodec.decode(&reader))
        case .moveTo:
            self = .moveTo(
                MoveTo(
                    startTime: try reader.readVarint("start_time"),
                    xMicrometres: try reader.readSignedVarint("x_um", as: Int32.self),
                    yMicrometres: try reader.readSignedVarint("y_um", as: Int32.self)))
        case .setStrokeRate:
            self = .setStrokeRate(
                SetStrokeRate(
                    startTime: try reader.readVarint("start_time"),
                    centihertz: try reader.readVarint("stroke_rate_centihertz", as: UInt32.self)))
        case .touchOff:
            self = .touchOff(
                TouchOff(
                    startTime: try reader.readVarint("start_time"),
                    xMicrometres: try reader.readSignedVarint("x_um", as: Int32.self),
                    yMicrometres: try reader.readSignedVarint("y_um", as: Int32.self),
                    approachMicrometres: try reader.readSignedVarint("approach_um", as: Int32.self),
                    node: try reader.readVarint("node", as: UInt32.self)))
        case .surfaceGrid:
            self = .surfaceGrid(
                SurfaceGrid(
                    originXMicrometres: try reader.readSignedVarint("origin_x_um", as: Int32.self),
                    originYMicrometres: try reader.readSignedVarint("origin_y_um", as: Int32.self),
                    spacingMicrometres: try reader.readVarint("spacing_um", as: UInt32.self),
                    nx: try reader.readByte("nx"), ny: try reader.readByte("ny")))
        case .cartridgeFitted:
            self = .cartridgeFitted(CartridgeFitted(cartridge: try reader.readString("cartridge")))
        case .touchOffResult:
            let x = try reader.readSignedVarint("x_um", as: Int32.self)
            let y = try reader.readSignedVarint("y_um", as: Int32.self)
            let z = try reader.readSignedVarint("contact_z_um", as: Int32.self)
            let load = try reader.readUInt16("peak_load")
            let outcomeOffset = reader.offset
            guard let outcome = TouchOffOutcome(rawValue: try reader.readByte("outcome")) else {
                throw .outOfRange(field: "outcome", offset: outcomeOffset)
            }
            self = .touchOffResult(
                TouchOffResult(
                    xMicrometres: x, yMicrometres: y, contactZMicrometres: z, peakLoadMillinewtons: load,
                    outcome: outcome))
        case .strokeDetail:
            let dotID = try reader.readVarint("dot_id", as: UInt32.self)
            let countOffset = reader.offset
            let count = Int(try reader.readByte("count"))
            guard count <= StrokeDetail.maximumSamples else { throw .outOfRange(field: "count", offset: countOffset) }
            var samples: [StrokeSample] = []
            for _ in 0..<count {
                let offset = try reader.readVarint("offset_us", as: UInt32.self)
                let z = try reader.readSignedVarint("z_um", as: Int32.self)
                let peak = try reader.readUInt16("peak_load")
                let bottom = try reader.readUInt16("bottom_load")
                let rate = try reader.readVarint("rate_centihertz", as: UInt32.self)
                let countedOffset = reader.offset
                let counted = try reader.readByte("counted")
                guard counted <= 1 else { throw .outOfRange(field: "counted", offset: countedOffset) }
                samples.append(
                    StrokeSample(
                        offsetMicroseconds: offset, zMicrometres: z, peakLoadMillinewtons: peak,
                        bottomLoadMillinewtons: bottom, rateCentihertz: rate, counted: counted == 1))
            }
            self = .strokeDetail(StrokeDetail(dotID: dotID, strokes: samples))
        case .hold: self = .hold
        case .resume: self = .resume
        case .emergencyStop: self = .emergencyStop
        case .statusQuery: self = .statusQuery
        case .arm: self = .arm
        case .flushQueue: self = .flushQueue
        case .disarm: self = .disarm
        case .completions:
            self = .completions(try CompletionCodec.decode(&reader))
        case .fault:
            self = .fault(
                Fault(
                    code: FaultCode(rawValue: try reader.readVarint("code", as: UInt16.self)),
                    boardTime: try reader.readVarint("board_time"),
                    dotID: try reader.readVarint("dot_id", as: UInt32.self),
                    value: try reader.readSignedVarint("value")))
        case .status:
            let boardTime = try reader.readVarint("board_time")
            let scheduleTime = try reader.readVarint("schedule_time")
            let stateOffset = reader.offset
            guard let state = BoardState(rawValue: try reader.readByte("state")) else {
                throw .outOfRange(field: "state", offset: stateOffset)
            }
            self = .status(
                BoardStatus(
                    boardTime: boardTime, scheduleTime: scheduleTime, state: state,
                    queueDepth: try reader.readVarint("queue_depth", as: UInt32.self),
                    queueFree: try reader.readVarint("queue_free", as: UInt32.self),
                    xMicrometres: try reader.readSignedVarint("x_um", as: Int32.self),
                    yMicrometres: try reader.readSignedVarint("y_um", as: Int32.self),
                    zMicrometres: try reader.readSignedVarint("z_um", as: Int32.self),
                    motorCentihertz: try reader.readVarint("motor_centihertz", as: UInt32.self),
                    lastCompletedDot: try reader.readVarint("last_completed_dot", as: UInt32.self),
                    activeFault: FaultCode(rawValue: try reader.readVarint("active_fault", as: UInt16.self)),
                    dotInProgress: try reader.readVarint("dot_in_progress", as: UInt32.self),
                    surfaceMode: try Self.readSurfaceMode(&reader)))
        }
        try reader.expectEnd("\(type)")
    }

    private static func write(_ hello: BoardHello, to writer: inout ByteWriter) throws(MessageEncodingError) {
        writer.writeUInt16(hello.protocolVersion)
        writer.writeUInt32(hello.schemaHash)
        writer.writeUInt32(hello.sessionID)
        try writer.writeString(hello.boardModel, field: "board_model")
        try writer.writeString(hello.firmwareVersion, field: "firmware_version")
        try writer.writeString(hello.serialNumber, field: "serial_number")
        writer.writeVarint(UInt64(hello.clockHertz))
        writer.writeVarint(UInt64(hello.queueCapacity))
        let limits = hello.limits
        for value in [
            limits.travelXMicrometres, limits.travelYMicrometres, limits.travelZMicrometres,
            limits.positionResolutionMicrometres, limits.maxSpeedXYMicrometresPerSecond,
            limits.maxAccelerationXYMicrometresPerSecond2, limits.maxSpeedZMicrometresPerSecond,
            limits.maxAccelerationZMicrometresPerSecond2, limits.hangCeilingMicrometres,
            limits.retractClearanceMicrometres, limits.motorMinCentihertz, limits.motorMaxCentihertz,
        ] {
            writer.writeVarint(UInt64(value))
        }
        writer.write(limits.maxStrokesPerDot)
        for value in [
            limits.watchdogMilliseconds, limits.minimumLeadMicroseconds, limits.zResolutionMicrometres,
            limits.minimumClearanceMicrometres, limits.fullDepthToleranceMicrometres,
            limits.probeApproachSpeedMicrometresPerSecond, limits.probeSpeedMicrometresPerSecond,
            limits.probeThresholdMillinewtons, limits.probeForceLimitMillinewtons, limits.probeMaxTravelMicrometres,
            limits.surfaceMaxNodes,
        ] {
            writer.writeVarint(UInt64(value))
        }
        writer.writeVarint(hello.boardTime)
        writer.writeVarint(UInt64(hello.lastCompletedDot))
        writer.writeVarint(UInt64(hello.pendingCompletions))
        try writer.writeString(hello.handpieceModel, field: "handpiece_model")
        try writer.writeString(hello.cartridge, field: "cartridge")
        writer.write(hello.surfaceMode.rawValue)
    }

    private static func readSurfaceMode(_ reader: inout ByteReader) throws(MessageDecodingError) -> SurfaceMode {
        let offset = reader.offset
        guard let mode = SurfaceMode(rawValue: try reader.readByte("surface_mode")) else {
            throw .outOfRange(field: "surface_mode", offset: offset)
        }
        return mode
    }

    private static func readBoardHello(_ reader: inout ByteReader) throws(MessageDecodingError) -> BoardHello {
        let version = try reader.readUInt16("protocol_version")
        let hash = try reader.readUInt32("schema_hash")
        let session = try reader.readUInt32("session_id")
        let model = try reader.readString("board_model")
        let firmware = try reader.readString("firmware_version")
        let serial = try reader.readString("serial_number")
        let clock = try reader.readVarint("clock_hz", as: UInt32.self)
        let capacity = try reader.readVarint("queue_capacity", as: UInt16.self)
        let limits = BoardLimits(
            travelXMicrometres: try reader.readVarint("travel_x_um", as: UInt32.self),
            travelYMicrometres: try reader.readVarint("travel_y_um", as: UInt32.self),
            travelZMicrometres: try reader.readVarint("travel_z_um", as: UInt32.self),
            positionResolutionMicrometres: try reader.readVarint("position_resolution_um", as: UInt32.self),
            maxSpeedXYMicrometresPerSecond: try reader.readVarint("max_speed_xy_um_s", as: UInt32.self),
            maxAccelerationXYMicrometresPerSecond2: try reader.readVarint("max_accel_xy_um_s2", as: UInt32.self),
            maxSpeedZMicrometresPerSecond: try reader.readVarint("max_speed_z_um_s", as: UInt32.self),
            maxAccelerationZMicrometresPerSecond2: try reader.readVarint("max_accel_z_um_s2", as: UInt32.self),
            hangCeilingMicrometres: try reader.readVarint("hang_ceiling_um", as: UInt32.self),
            retractClearanceMicrometres: try reader.readVarint("retract_clearance_um", as: UInt32.self),
            motorMinCentihertz: try reader.readVarint("motor_min_centihertz", as: UInt32.self),
            motorMaxCentihertz: try reader.readVarint("motor_max_centihertz", as: UInt32.self),
            maxStrokesPerDot: try reader.readByte("max_strokes_per_dot"),
            watchdogMilliseconds: try reader.readVarint("watchdog_ms", as: UInt32.self),
            minimumLeadMicroseconds: try reader.readVarint("min_lead_us", as: UInt32.self),
            zResolutionMicrometres: try reader.readVarint("z_resolution_um", as: UInt32.self),
            minimumClearanceMicrometres: try reader.readVarint("min_clearance_um", as: UInt32.self),
            fullDepthToleranceMicrometres: try reader.readVarint("full_depth_tolerance_um", as: UInt32.self),
            probeApproachSpeedMicrometresPerSecond: try reader.readVarint(
                "probe_approach_speed_um_s", as: UInt32.self),
            probeSpeedMicrometresPerSecond: try reader.readVarint("probe_speed_um_s", as: UInt32.self),
            probeThresholdMillinewtons: try reader.readVarint("probe_threshold_mN", as: UInt32.self),
            probeForceLimitMillinewtons: try reader.readVarint("probe_force_limit_mN", as: UInt32.self),
            probeMaxTravelMicrometres: try reader.readVarint("probe_max_travel_um", as: UInt32.self),
            surfaceMaxNodes: try reader.readVarint("surface_max_nodes", as: UInt32.self))
        return BoardHello(
            protocolVersion: version, schemaHash: hash, sessionID: session, boardModel: model,
            firmwareVersion: firmware,
            serialNumber: serial, clockHertz: clock, queueCapacity: capacity, limits: limits,
            boardTime: try reader.readVarint("board_time"),
            lastCompletedDot: try reader.readVarint("last_completed_dot", as: UInt32.self),
            pendingCompletions: try reader.readVarint("pending_completions", as: UInt32.self),
            handpieceModel: try reader.readString("handpiece_model"),
            cartridge: try reader.readString("cartridge"),
            surfaceMode: try readSurfaceMode(&reader))
    }
}
