import Foundation
import SMPBoardSim
import SMPWire
import Testing

@Suite("Extreme values from the host")
struct ExtremeInputTests {
    @Test("extreme but well-formed commands are refused with faults, never a trap")
    func extremes() throws {
        var harness = try BoardHarness()
        _ = harness.prepare()
        let times: [UInt64] = [0, 1, UInt64.max, UInt64.max / 2, UInt64(Int64.max)]
        let coordinates: [Int32] = [Int32.min, -1, 0, 200_000, 200_001, Int32.max]
        var messages: [Message] = []
        for time in times {
            for coordinate in coordinates {
                messages.append(.moveTo(MoveTo(startTime: time, xMicrometres: coordinate, yMicrometres: coordinate)))
                messages.append(
                    .dotTrain(
                        DotTrain(
                            strokesPerDot: 4, strokeRateCentihertz: 12_000, liftMicrometres: 500,
                            dots: [
                                DotCommand(
                                    id: 1, startTime: time, xMicrometres: coordinate, yMicrometres: 100_000,
                                    hangMicrometres: coordinate)
                            ])))
            }
            messages.append(.setStrokeRate(SetStrokeRate(startTime: time, centihertz: UInt32.max)))
            for strokes in [UInt8(0), 13, 255] {
                messages.append(
                    .dotTrain(
                        DotTrain(
                            strokesPerDot: strokes, strokeRateCentihertz: UInt32.max, liftMicrometres: UInt32.max,
                            dots: [
                                DotCommand(
                                    id: UInt32.max, startTime: time, xMicrometres: 0, yMicrometres: 0,
                                    hangMicrometres: 0)
                            ])))
            }
        }
        for message in messages {
            // Some of these the host's encoder itself refuses; the rest reach the board.
            guard (try? message.encoded()) != nil, harness.host.canSend else { continue }
            harness.send(message)
            harness.run(for: 5_000)
            if harness.board.state == .safe { harness.arm() }
        }
        harness.run(for: 7_000_000)
        #expect(!harness.faults.isEmpty)
        #expect(
            harness.board.truth().summary.skinContacts == 0
                || harness.board.truth().dots.allSatisfy {
                    $0.strokes.allSatisfy { $0.localHangMM <= 2.0 + 1e-9 }
                })
    }
}
