import Foundation
import Testing

@testable import SMPHardware

@Suite("Head frame, cartridges and the seeded generator")
struct HeadFrameAndGeneratorTests {
    @Test("landmarks fall in their regions: forehead in front, vertex on the crown, nape in the occiput")
    func landmarks() {
        func region(_ landmark: HeadFrame.Landmark) -> ScalpRegion {
            let position = landmark.position
            return HeadFrame.region(x: position.x, y: position.y)
        }
        #expect(region(.foreheadMidline) == .front)
        #expect(region(.vertex) == .crown)
        #expect(region(.napeMidline) == .occiput)
        #expect(HeadFrame.region(x: 10, y: 70) == .temples)
        #expect(HeadFrame.region(x: 190, y: 70) == .temples)
        #expect(HeadFrame.region(x: 10, y: 120) == .crown)
        // Left and right are mirror images about the midline.
        for y in stride(from: 0.0, through: 200, by: 5) {
            for x in stride(from: 0.0, through: 100, by: 5) {
                #expect(HeadFrame.region(x: x, y: y) == HeadFrame.region(x: 200 - x, y: y))
            }
        }
    }

    @Test("the cartridge catalogue lists the six cartridges with provenance, losses within the supplier range")
    func cartridges() throws {
        let catalogue = try CartridgeCatalogue.load(from: repositoryHardware + "/cartridges.json")
        #expect(
            catalogue.cartridges.map(\.name) == [
                "1RL 0.18", "1RL 0.20", "3RL 0.20", "3RL 0.25", "5RL 0.25", "5RL 0.30",
            ])
        for cartridge in catalogue.cartridges {
            #expect(cartridge.membraneLoss.rangeMM == 0.2...0.5)
            #expect(cartridge.membraneLoss.rangeMM.contains(cartridge.membraneLoss.nominalMM))
            #expect(cartridge.provenance.contains("[S]") || cartridge.provenance.contains("[E]"))
        }
        #expect(catalogue.cartridge(named: catalogue.reference)?.needleLengthOffsetMM == 0)
    }

    @Test("a catalogue entry whose name does not say its group and diameter is refused")
    func cartridgeNameChecked() throws {
        let text = try String(contentsOfFile: repositoryHardware + "/cartridges.json", encoding: .utf8)
        try #require(text.contains(#""name": "5RL 0.30""#))
        let path = try temporaryFile(
            text.replacingOccurrences(of: #""name": "5RL 0.30""#, with: #""name": "5RL 0.35""#),
            name: "cartridges.json")
        let error = #expect(throws: HardwareDefinitionError.self) { try CartridgeCatalogue.load(from: path) }
        #expect(error?.path == "cartridges[5].name")
    }

    @Test("the generator's output is pinned: planned dots depend on every bit of it")
    func pinnedOutput() {
        var plain = SeededGenerator(seed: 42)
        var numbered = SeededGenerator(seed: 42, stream: 7)
        var named = SeededGenerator(seed: 42, stream: "patient")
        let outputs = [plain.next(), numbered.next(), named.next()]
        #expect(outputs == Self.pinned)
    }

    /// First outputs of `SeededGenerator(seed: 42)`, `(seed: 42, stream: 7)` and `(seed: 42, stream: "patient")`.
    static let pinned: [UInt64] = [1_546_998_764_402_558_742, 16_782_238_116_980_387_103, 17_169_717_380_478_896_852]

    @Test("same seed, same numbers; streams differ; chance and units stay in range")
    func determinism() {
        var a = SeededGenerator(seed: 9)
        var b = SeededGenerator(seed: 9)
        var c = SeededGenerator(seed: 9, stream: "sensor")
        let first = (0..<100).map { _ in a.next() }
        #expect(first == (0..<100).map { _ in b.next() })
        #expect(first != (0..<100).map { _ in c.next() })
        for _ in 0..<1000 {
            let unit = a.nextUnit()
            #expect(unit >= 0 && unit < 1)
            let never = a.chance(0)
            #expect(!never)
        }
        #expect((0..<1000).filter { _ in a.chance(0.5) }.count > 400)
    }
}
