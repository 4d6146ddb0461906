import SMPBoardSim
import SMPHardware

@testable import SMPWire

enum Samples {
    static let boardHello = BoardHello(
        sessionID: 7, boardModel: "smp-driver-r1", firmwareVersion: "sim-1.0.0", serialNumber: "SIM0001",
        clockHertz: 1_000_000, queueCapacity: 64, limits: BoardLimits(BoardDefinition.r1), boardTime: 123_456_789,
        lastCompletedDot: 41, pendingCompletions: 2, handpieceModel: "rotary-r1",
        cartridge: "3RL 0.25", surfaceMode: .grid)

    /// Dots on a jittered 1 mm grid with slowly varying hang, as a session plans them.
    static func dots(count: Int, seed: UInt64, firstID: UInt32 = 1) -> [DotCommand] {
        var random = SeededGenerator(seed: seed)
        var dots: [DotCommand] = []
        var time: UInt64 = 1_000_000
        var hang: Int32 = 1_200
        for index in 0..<count {
            let column = Int32(index % 40)
            let row = Int32(index / 40)
            let x = 50_000 + column * 1_000 + Int32.random(in: -200...200, using: &random) / 10 * 10
            let y = 50_000 + row * 1_000 + Int32.random(in: -200...200, using: &random) / 10 * 10
            hang = min(1_600, max(900, hang + Int32.random(in: -15...15, using: &random)))
            time += UInt64.random(in: 140...160, using: &random) * 1_000
            dots.append(
                DotCommand(
                    id: firstID + UInt32(index), startTime: time, xMicrometres: x, yMicrometres: y,
                    hangMicrometres: hang))
        }
        return dots
    }

    /// One message of every type, with values near their limits where that is interesting.
    static var everyMessage: [Message] {
        let train = DotTrain(
            strokesPerDot: 4, strokeRateCentihertz: 12_000, liftMicrometres: 1_500, dots: dots(count: 20, seed: 1))
        return [
            .hostHello(HostHello(sessionID: 0xDEAD_BEEF, hostSoftware: "smpctl 0.1.0")),
            .boardHello(boardHello),
            .dotTrain(train),
            .dotTrain(
                DotTrain(
                    strokesPerDot: 3, strokeRateCentihertz: 11_000, liftMicrometres: 0, dots: dots(count: 1, seed: 2))),
            .moveTo(MoveTo(startTime: 5_000_000, xMicrometres: 100_000, yMicrometres: -5)),
            .dotTrain(
                DotTrain(
                    strokesPerDot: 6, strokeRateCentihertz: 10_000, liftMicrometres: 300, strokeDetail: true,
                    dots: dots(count: 3, seed: 4))),
            .setStrokeRate(SetStrokeRate(startTime: 4_000_000, centihertz: 12_500)),
            .touchOff(
                TouchOff(
                    startTime: 6_000_000, xMicrometres: 95_000, yMicrometres: 90_000, approachMicrometres: -3_500,
                    node: 7)),
            .surfaceGrid(
                SurfaceGrid(
                    originXMicrometres: 80_000, originYMicrometres: 75_000, spacingMicrometres: 5_000, nx: 9, ny: 7)),
            .hold, .resume, .emergencyStop, .statusQuery, .arm, .flushQueue, .disarm,
            .cartridgeFitted(CartridgeFitted(cartridge: "1RL 0.18")),
            .completions(
                CompletionBatch(
                    finishedAt: 9_999_999,
                    completions: [
                        DotCompletion(dotID: 10, outcome: .completed, peakLoads: [40, 22, 21, 20]),
                        DotCompletion(dotID: 11, outcome: .interrupted, peakLoads: [39]),
                        DotCompletion(dotID: 15, outcome: .rejected, peakLoads: []),
                        DotCompletion(dotID: 3, outcome: .completed, peakLoads: [255, 0, 1]),
                        DotCompletion(dotID: 4, outcome: .discarded, peakLoads: []),
                    ])),
            .fault(Fault(code: .hangBeyondCeiling, boardTime: 77, dotID: 12, value: 2_150)),
            .status(
                BoardStatus(
                    boardTime: 1_000, scheduleTime: 900, state: .held, queueDepth: 12, queueFree: 52,
                    xMicrometres: 100_000, yMicrometres: 99_995, zMicrometres: -2_000, motorCentihertz: 0,
                    lastCompletedDot: 11, activeFault: .emergencyStop, dotInProgress: 12, surfaceMode: .unverified)),
            .touchOffResult(
                TouchOffResult(
                    xMicrometres: 95_000, yMicrometres: 90_000, contactZMicrometres: -1_734, peakLoadMillinewtons: 16,
                    outcome: .contact)),
            .strokeDetail(
                StrokeDetail(
                    dotID: 12,
                    strokes: [
                        StrokeSample(
                            offsetMicroseconds: 31_250, zMicrometres: 412, peakLoadMillinewtons: 0,
                            bottomLoadMillinewtons: 0, rateCentihertz: 11_987, counted: false),
                        StrokeSample(
                            offsetMicroseconds: 39_583, zMicrometres: 1_180, peakLoadMillinewtons: 262,
                            bottomLoadMillinewtons: 144, rateCentihertz: 12_001, counted: true),
                    ])),
        ]
    }
}
