import SMPWireTesting
import Testing

@testable import SMPWire

@Suite("Wire byte breakdown")
struct WireByteBreakdownTests {
    @Test("every byte of a capture is attributed to exactly one kind")
    func attributesEveryByte() {
        var configuration = SessionScenario.Configuration(dotCount: 200, seed: 2)
        configuration.recordsCaptures = true
        let result = SessionScenario.run(configuration)
        let capture = result.hostToBoardCapture ?? []
        let breakdown = WireByteBreakdown(capture: capture)
        #expect(breakdown.bytes.values.reduce(0, +) == capture.count)
        #expect((breakdown.bytes["dot_train"] ?? 0) > 0)
        #expect(breakdown.bytes["heartbeat"] == Int(result.hostStatistics.heartbeatsSent))
        #expect(breakdown.bytes["error"] == nil)
    }
}
