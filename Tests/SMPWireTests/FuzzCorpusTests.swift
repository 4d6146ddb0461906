import Foundation
import SMPWireTesting
import Testing

@Suite("Fuzz corpus regression")
struct FuzzCorpusTests {
    static var corpus: [URL] {
        guard let directory = Bundle.module.url(forResource: "Corpus", withExtension: nil) else { return [] }
        let files = (try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? []
        return files.sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test("the kept corpus is there (seeds and what make fuzz found)")
    func corpusPresent() {
        #expect(Self.corpus.count >= 20)
    }

    @Test("every input of the kept fuzz corpus runs through decoder, codecs and sessions without a finding")
    func replay() throws {
        for file in Self.corpus {
            WireFuzzHarness.run([UInt8](try Data(contentsOf: file)))
        }
    }
}
