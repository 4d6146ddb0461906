import Foundation
import SMPHardware
import Testing

@testable import SMPPlanning

/// Random mutations of valid files: the reader never crashes, and either accepts the input or names the file.
@Suite struct FuzzTests {
    static let mutations = 300

    func mutate(_ bytes: [UInt8], rng: inout SeededGenerator) -> [UInt8] {
        var out = bytes
        let alphabet = Array("0123456789-.eE,[]{}\":MLHVCSQTAZmlhvcsqtaz <>/=!&;x".utf8)
        for _ in 0..<(1 + Int(rng.next() % 4)) {
            guard !out.isEmpty else { break }
            let at = Int(rng.next() % UInt64(out.count))
            switch rng.next() % 5 {
            case 0: out[at] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
            case 1: out.remove(at: at)
            case 2: out.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: at)
            case 3:
                let end = min(out.count, at + Int(rng.next() % 40))
                out.removeSubrange(at..<end)
            default:
                let end = min(out.count, at + Int(rng.next() % 20))
                out.insert(contentsOf: out[at..<end], at: at)
            }
        }
        return out
    }

    @Test func mutatedPlansParseOrNameThePath() throws {
        let json = Fixtures.square(
            side: 6, sessions: 3,
            extra:
                #", "existing_hairs": {"clearance_mm": 0.5, "positions": [[52, 52]]}, "hairline": {"polyline": [[50, 50], [56, 50]]}"#
        ).replacingOccurrences(of: "\"kind\": \"density\"", with: "\"kind\": \"hairline\"")
        _ = try Fixtures.plan(json)
        var rng = SeededGenerator(seed: 99)
        let bytes = Array(json.utf8)
        var accepted = 0
        for _ in 0..<Self.mutations {
            let mutated = mutate(bytes, rng: &rng)
            do {
                let plan = try PlanLoader.parse(Data(mutated), file: "fuzz.json", directory: nil)
                accepted += 1
                // Accepted plans must also generate without crashing (small regions only).
                if plan.regions.allSatisfy({ ($0.shape.area) < 5000 }) { _ = try? DotGenerator.generate(plan) }
            } catch let error as PlanError {
                #expect(error.file == "fuzz.json")
                #expect(!error.reason.isEmpty)
            }
        }
        #expect(accepted < Self.mutations)
    }

    @Test func mutatedSVGsParseOrNameTheFile() throws {
        let text = try String(
            contentsOf: Fixtures.examples.appendingPathComponent("norwood5-hairline.svg"), encoding: .utf8)
        var rng = SeededGenerator(seed: 7)
        let bytes = Array(text.utf8)
        for _ in 0..<Self.mutations {
            let mutated = mutate(bytes, rng: &rng)
            do {
                _ = try SVGDocument.parse(Data(mutated), file: "fuzz.svg", toleranceMM: 0.05)
            } catch let error as PlanError {
                #expect(error.file == "fuzz.svg")
            }
        }
    }

    @Test func mutatedPathDataParsesOrFails() {
        let d = Array(
            "M 10 10 L 20 10 H 30 V 20 C 30 25 25 30 20 30 S 10 25 10 20 Q 5 15 10 12 T 12 10 A 2 2 0 0 1 14 10 Z".utf8)
        var rng = SeededGenerator(seed: 11)
        for _ in 0..<(Self.mutations * 3) {
            let mutated = String(decoding: mutate(d, rng: &rng), as: UTF8.self)
            do {
                let subpaths = try SVGPathParser.parse(mutated, toleranceMM: 0.05, transform: .identity)
                for s in subpaths { #expect(s.points.allSatisfy { $0.x.isFinite && $0.y.isFinite }) }
            } catch {
                #expect(error is SVGPathParser.Failure)
            }
        }
    }
}
