import Foundation
import SMPPlanningTesting
import Testing

/// Replays the kept corpus of the plan-loader and SVG-importer fuzz targets (`make fuzz`, Fuzz/run.sh): every
/// input runs through the same harness without a finding.
@Suite struct PlanningFuzzCorpusTests {
    static func corpus(_ name: String) -> [URL] {
        guard let directory = Bundle.module.url(forResource: "Corpus", withExtension: nil) else { return [] }
        let folder = directory.appendingPathComponent(name)
        let files = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? []
        return files.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test("the kept plan corpus runs through the loader (and planning, for small plans) without a finding")
    func plans() throws {
        let files = Self.corpus("plans")
        try #require(files.count >= 10)
        for file in files { PlanningFuzzHarness.runPlan([UInt8](try Data(contentsOf: file))) }
    }

    @Test("the kept SVG corpus runs through the importer and region validation without a finding")
    func svgs() throws {
        let files = Self.corpus("svg")
        try #require(files.count >= 5)
        for file in files { PlanningFuzzHarness.runSVG([UInt8](try Data(contentsOf: file))) }
    }
}
