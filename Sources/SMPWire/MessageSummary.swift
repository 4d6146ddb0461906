extension Message {
    /// One line for people: what a protocol analyser shows.
    public var summary: String {
        switch self {
        case .hostHello(let hello):
            "host_hello v\(hello.protocolVersion) schema 0x\(hex32(hello.schemaHash)) session \(hello.sessionID) "
                + "from '\(hello.hostSoftware)'"
        case .boardHello(let hello):
            "board_hello v\(hello.protocolVersion) schema 0x\(hex32(hello.schemaHash)) session \(hello.sessionID) "
                + "\(hello.boardModel) firmware \(hello.firmwareVersion) serial \(hello.serialNumber) "
                + "clock \(hello.clockHertz) Hz queue \(hello.queueCapacity) t=\(hello.boardTime) "
                + "last_dot \(hello.lastCompletedDot) pending \(hello.pendingCompletions) "
                + "handpiece \(hello.handpieceModel) cartridge '\(hello.cartridge)' surface \(hello.surfaceMode.name)"
        case .dotTrain(let train):
            Self.summary(of: train)
        case .moveTo(let move):
            "move_to t=\(move.startTime) x=\(move.xMicrometres) um y=\(move.yMicrometres) um"
        case .setStrokeRate(let change):
            "set_stroke_rate t=\(change.startTime) \(Self.hertz(change.centihertz))"
        case .touchOff(let probe):
            "touch_off t=\(probe.startTime) x=\(probe.xMicrometres) um y=\(probe.yMicrometres) um "
                + "approach z=\(probe.approachMicrometres) um" + (probe.node != 0 ? " node \(probe.node - 1)" : "")
        case .surfaceGrid(let grid):
            grid.isFlat
                ? "surface_grid flat"
                : "surface_grid origin (\(grid.originXMicrometres), \(grid.originYMicrometres)) um spacing "
                    + "\(grid.spacingMicrometres) um \(grid.nx)x\(grid.ny)"
        case .cartridgeFitted(let fitted):
            "cartridge_fitted '\(fitted.cartridge)'"
        case .touchOffResult(let result):
            "touch_off_result \(result.outcome.name) x=\(result.xMicrometres) um y=\(result.yMicrometres) um "
                + "contact z=\(result.contactZMicrometres) um peak \(result.peakLoadMillinewtons) mN"
        case .strokeDetail(let detail):
            "stroke_detail dot \(detail.dotID) \(detail.strokes.count) bottoms, "
                + "\(detail.strokes.filter(\.counted).count) counted"
        case .hold, .resume, .emergencyStop, .statusQuery, .arm, .flushQueue, .disarm:
            type.name
        case .completions(let batch):
            Self.summary(of: batch)
        case .fault(let fault):
            "fault \(fault.code.name) t=\(fault.boardTime)" + (fault.dotID != 0 ? " dot \(fault.dotID)" : "")
                + (fault.value != 0 ? " value \(fault.value)" : "")
        case .status(let status):
            "status \(status.state.name) t=\(status.boardTime) schedule=\(status.scheduleTime) "
                + "queue \(status.queueDepth) used/\(status.queueFree) free x=\(status.xMicrometres) "
                + "y=\(status.yMicrometres) z=\(status.zMicrometres) um motor \(Self.hertz(status.motorCentihertz)) "
                + "last_dot \(status.lastCompletedDot) fault \(status.activeFault.name) "
                + "dot_in_progress \(status.dotInProgress) surface \(status.surfaceMode.name)"
        }
    }

    static func hertz(_ centihertz: UInt32) -> String {
        let hundredths = centihertz % 100
        return "\(centihertz / 100).\(hundredths < 10 ? "0" : "")\(hundredths) Hz"
    }

    private static func summary(of train: DotTrain) -> String {
        guard let first = train.dots.first, let last = train.dots.last else { return "dot_train (empty)" }
        let hangs = train.dots.map(\.hangMicrometres)
        return "dot_train \(train.dots.count) dots ids \(first.id)-\(last.id) t=\(first.startTime)..\(last.startTime) "
            + "first (\(first.xMicrometres), \(first.yMicrometres)) um hang \(hangs.min() ?? 0)-\(hangs.max() ?? 0) um "
            + "\(train.strokesPerDot) strokes @ \(hertz(train.strokeRateCentihertz)) lift \(train.liftMicrometres) um"
            + (train.strokeDetail ? " detail" : "")
    }

    private static func summary(of batch: CompletionBatch) -> String {
        let ids = batch.completions.map(\.dotID)
        let completed = batch.completions.filter { $0.outcome == .completed }.count
        let strokes = batch.completions.reduce(0) { $0 + $1.strokesDelivered }
        return "completions \(batch.completions.count) dots ids \(ids.first ?? 0)-\(ids.last ?? 0) "
            + "(\(completed) completed, \(batch.completions.count - completed) not) \(strokes) strokes "
            + "finished t=\(batch.finishedAt)"
    }
}
