import Foundation
import SMPWireTesting
import Testing

@testable import SMPWire

/// Hardware/smp-driver-r1/captures/: both directions of the controller's whole session of a 40-dot row (probing
/// included), as hex a person can read and `smpctl wire decode --hex` can decode. Regenerated with the vectors
/// (`SMP_REGENERATE_VECTORS=1`) by SMPDryRunTests' `WireCostTests`, which runs the controller.
@Suite("Example captures")
struct CaptureFileTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Hardware/smp-driver-r1/captures")

    @Test("the checked-in captures decode without an error and carry the whole session")
    func capturesDecode() throws {
        var dots: Set<UInt32> = []
        var completions: Set<UInt32> = []
        for name in ["session-host-to-board.hex", "session-board-to-host.hex"] {
            let text = try String(contentsOf: Self.directory.appendingPathComponent(name), encoding: .utf8)
            var analyzer = CaptureAnalyzer()
            let records = analyzer.feed(try HexText.bytes(from: text))
            #expect(analyzer.counters.errors == 0, "\(name)")
            for record in records {
                switch record.message {
                case .dotTrain(let train)?: dots.formUnion(train.dots.map(\.id))
                case .completions(let batch)?: completions.formUnion(batch.completions.map(\.dotID))
                default: break
                }
            }
        }
        #expect(dots == Set(1...40))
        #expect(completions == Set(1...40))
    }
}
