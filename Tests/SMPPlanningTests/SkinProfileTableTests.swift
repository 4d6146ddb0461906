import Foundation
import Testing

@testable import SMPPlanning

@Suite("The skin-profile table: file, compiled-in copy, reader")
struct SkinProfileTableTests {
    static let file = Fixtures.repoRoot.appendingPathComponent("Hardware/skin-profiles.json").path

    @Test("compiled-in table equals Hardware/skin-profiles.json byte for byte")
    func compiledInEqualsFile() throws {
        let text = try String(contentsOfFile: Self.file, encoding: .utf8)
        #expect(text == SkinProfile.tableText)
        let table = try SkinProfileTable.decode(Data(text.utf8), source: Self.file)
        #expect(table == SkinProfile.table)
    }

    @Test("every treatable profile carries provenance for each value; keloid is refused")
    func provenance() throws {
        let treatable = SkinProfile.catalogue.filter { $0.refusalReason == nil }
        try #require(treatable.count == 5)
        for profile in treatable {
            for key in ["deposit_target_mm", "typical_hang_mm", "stroke_rate_hz", "strokes_per_dot", "pitch_mm"] {
                let source = try #require(profile.provenance[key], "\(profile.name) \(key)")
                #expect(source.hasPrefix("[S") || source.hasPrefix("[E"))
            }
        }
        #expect(SkinProfile.keloid.refusalReason != nil)
        #expect(SkinProfile.fitzpatrick1to3.depositTargetMM == 0.4...0.7)
        #expect(SkinProfile.table.regionalModifierMM(forRegionNamed: "Crown") == 0.1)
        #expect(SkinProfile.table.regionalModifierMM(forRegionNamed: "left temple") == -0.1)
        #expect(SkinProfile.table.regionalModifierMM(forRegionNamed: "mid-scalp") == 0)
    }

    @Test("a bad value is a one-line error naming the JSON path")
    func badValue() throws {
        let broken = SkinProfile.tableText.replacingOccurrences(of: "\"max\": 1.4", with: "\"max\": 0.2")
        try #require(broken != SkinProfile.tableText)
        #expect {
            _ = try SkinProfileTable.decode(Data(broken.utf8), source: "t.json")
        } throws: { error in
            "\(error)".hasPrefix("t.json: $.profiles[0].typical_hang_mm is 1.0-0.2")
        }
    }
}
