import Foundation
import Testing

@testable import SMPPlanning

@Suite struct PigmentTests {
    @Test func builtInCatalogueIsTheHardwareFile() throws {
        let file = try String(
            contentsOf: Fixtures.repoRoot.appendingPathComponent("Hardware/pigments/catalogue.json"), encoding: .utf8)
        #expect(file == PigmentCatalogue.builtInText + "\n")
        let catalogue = PigmentCatalogue.builtIn
        try #require(!catalogue.pigments.isEmpty)
        for pigment in catalogue.pigments {
            #expect(!pigment.provenance.isEmpty)
            // Nothing here has been read from an SMP ink: the catalogue must not say otherwise.
            #expect(pigment.source != .measured, "\(pigment.name)")
            if pigment.source == .published {
                #expect(pigment.citation?.isEmpty == false && pigment.conditions?.isEmpty == false, "\(pigment.name)")
            }
        }
        #expect(catalogue.pigment(named: "warm-black")?.source == .estimate)
    }

    /// Each source needs what says where its colour comes from; one line names what is missing.
    @Test(arguments: [
        (#""source": "published""#, "a published colour needs \"citation\""),
        (#""source": "published", "citation": "a paper""#, "a published colour needs \"conditions\""),
        (
            #""source": "measured", "instrument": "CM-700d", "date": "2026-12-01""#,
            "a measured colour needs \"conditions\""
        ),
        (#""source": "read""#, "expected \"source\": \"estimate\", \"published\" or \"measured\""),
    ])
    func colourSourcesNeedTheirProvenance(fields: String, reason: String) throws {
        let text = """
            {"format": "smpctl-pigments/1", "pigments": [{"name": "ink", "dilutions": [1],
             "colour": {"lab": [12, 0, 1], "provenance": "somewhere", \(fields)}}]}
            """
        let error = try #require(throws: PlanError.self) { try PigmentCatalogue.parse(Data(text.utf8), file: "c.json") }
        #expect(error.file == "c.json" && error.location == "pigments[0].colour", "\(error)")
        #expect(error.reason.contains(reason), "\(error)")
        let published = """
            {"format": "smpctl-pigments/1", "pigments": [{"name": "ink", "dilutions": [1],
             "colour": {"lab": [12, 0, 1], "provenance": "somewhere", "source": "published", "citation": "a paper",
                        "conditions": "masstone, D65/10"}}]}
            """
        let ink = try #require(try PigmentCatalogue.parse(Data(published.utf8), file: "c.json").pigments.first)
        #expect(ink.source == .published && ink.citation == "a paper" && ink.conditions == "masstone, D65/10")
    }

    @Test func coloursParse() throws {
        let black = try #require(LabColour.parse("#000000"))
        #expect(abs(black.l) < 1e-6)
        let white = try #require(LabColour.parse("FFFFFF"))
        #expect(abs(white.l - 100) < 0.01 && abs(white.a) < 0.01 && abs(white.b) < 0.01)
        let lab = try #require(LabColour.parse("lab(25, 3, -4)"))
        #expect(lab == LabColour(25, 3, -4))
        #expect(LabColour.parse("lab:25,3,-4") == LabColour(25, 3, -4))
        #expect(try #require(LabColour.parse("#3b2f2a")).hex == "#3b2f2a")
        for bad in ["#12345", "#ggggg0", "brown", "lab:120,0,0", "lab:1,2", ""] { #expect(LabColour.parse(bad) == nil) }
    }

    @Test func deeperPigmentHealsBluerAndGreyer() {
        let skin = SkinTone.byFitzpatrick[1].colour
        let pigment = LabColour(10.23, -0.17, -0.31)
        let shallow = HealedTone.predict(pigment: pigment, dilution: 1, depthMM: 0.4, skin: skin)
        let deep = HealedTone.predict(pigment: pigment, dilution: 1, depthMM: 1.2, skin: skin)
        #expect(deep.l > shallow.l, "deeper shows less pigment: \(shallow) \(deep)")
        // Bluer than skin that scattered every wavelength alike would show it, and more so the deeper it lies.
        func cast(_ depth: Double) -> Double {
            let tissue = HealedTone.predict(pigment: pigment, dilution: 1, depthMM: depth, skin: skin)
            let neutral = HealedTone.predict(
                pigment: pigment, dilution: 1, depthMM: depth, skin: skin, ratios: (1, 1, 1))
            return neutral.b - tissue.b
        }
        #expect(cast(0.4) > 0)
        #expect(cast(1.2) > cast(0.4), "cast \(cast(0.4)) at 0.4 mm, \(cast(1.2)) at 1.2 mm")
        let diluted = HealedTone.predict(pigment: pigment, dilution: 0.5, depthMM: 0.55, skin: skin)
        let neat = HealedTone.predict(pigment: pigment, dilution: 1, depthMM: 0.55, skin: skin)
        #expect(diluted.l > neat.l)
    }

    @Test func matchIsDeterministicLighterFirstAndExplainsEachSession() throws {
        let hair = try #require(LabColour.parse("#3b2f2a"))
        let skin = try #require(SkinTone.parse("II"))
        let a = PigmentMatcher.match(hair: hair, skin: skin, sessions: 3)
        let b = PigmentMatcher.match(hair: hair, skin: skin, sessions: 3)
        #expect(a.sessions.map(\.explanation) == b.sessions.map(\.explanation))
        #expect(a.sessions.count == 3)
        for (k, choice) in a.sessions.enumerated() {
            #expect(choice.session == k + 1)
            #expect(choice.explanation.hasPrefix("session \(k + 1) of 3: \(choice.pigment) at "))
            #expect(!choice.explanation.contains("\n"))
        }
        for (earlier, later) in zip(a.sessions, a.sessions.dropFirst()) {
            #expect(
                earlier.predicted.l >= later.predicted.l, "session \(earlier.session) heals darker than a later one")
        }
    }

    @Test func pureBlackOnDarkSkinIsWarned() throws {
        let hair = try #require(LabColour.parse("#151312"))
        let dark = PigmentMatcher.match(hair: hair, skin: try #require(SkinTone.parse("5")), sessions: 1)
        try #require(dark.sessions.first?.pigment == "carbon-black")
        #expect(dark.warnings.contains { $0.contains("blue-green") })
        let light = PigmentMatcher.match(hair: hair, skin: try #require(SkinTone.parse("2")), sessions: 1)
        #expect(!light.warnings.contains { $0.contains("blue-green") })
    }

    static func plan(pigmentA: String, pigmentB: String?) -> String {
        let b = pigmentB.map { #", "pigment": \#($0)"# } ?? ""
        return """
            {"format": "smpctl-plan/1", "seed": 1, "session": {"index": 1, "of": 3},
             "regions": [
              {"name": "a", "kind": "density", "polygon": [[90,90],[110,90],[110,105],[90,105]], "density": 80,
               "profile": "fitzpatrick-1-3", "pigment": \(pigmentA)},
              {"name": "b", "kind": "density", "polygon": [[110,90],[130,90],[130,105],[110,105]], "density": 80,
               "profile": "fitzpatrick-1-3"\(b)}]}
            """
    }

    @Test func dotsCarryTheirPigmentAndAPigmentChangeIsAStep() throws {
        let json = PigmentTests.plan(
            pigmentA:
                #"[{"name": "warm-black", "dilution": 0.5}, {"name": "warm-black", "dilution": 0.75}, {"name": "warm-black", "dilution": 1}]"#,
            pigmentB: #"{"name": "dark-brown", "dilution": 0.75}"#)
        let result = try Planner.run(try Fixtures.plan(json))
        #expect(result.steps.count == 2)
        #expect(
            result.steps[0]
                == OperatorStep(beforeDot: 0, needle: "3RL", pigment: PigmentChoice(name: "warm-black", dilution: 0.5)))
        #expect(result.steps[1].pigment == PigmentChoice(name: "dark-brown", dilution: 0.75))
        #expect(result.pigmentChanges == 1 && result.needleChanges == 0)
        // Each pigment's dots are one run in the order.
        let labels = result.sessionDots.map { result.plan.regions[$0.regionIndex].pigment(session: $0.session)!.label }
        #expect(zip(labels, labels.dropFirst()).filter { $0 != $1 }.count == 1)
        let text = DotsDocument.render(result)
        #expect(
            text.contains(
                #""before_dot": \#(result.steps[1].beforeDot), "needle": "3RL", "pigment": "dark-brown", "dilution": 0.75"#
            ))
        for line in text.split(separator: "\n") where line.contains(#""id": "#) {
            #expect(line.contains(#""pigment": "#))
        }
        // A later session takes that session's dilution.
        let second = try Fixtures.plan(json.replacingOccurrences(of: #""index": 1"#, with: #""index": 2"#))
        #expect(second.regions[0].pigment(session: 2) == PigmentChoice(name: "warm-black", dilution: 0.75))
    }

    @Test(arguments: [
        (
            #"{"name": "navy", "dilution": 0.5}"#, #"{"name": "dark-brown", "dilution": 0.75}"#,
            "regions[0].pigment.name",
            "unknown pigment \"navy\""
        ),
        (
            #"{"name": "warm-black", "dilution": 0.4}"#, #"{"name": "dark-brown", "dilution": 0.75}"#,
            "regions[0].pigment.dilution", "0.4 is not a dilution of warm-black"
        ),
        (
            #"[{"name": "warm-black", "dilution": 0.5}]"#, #"{"name": "dark-brown", "dilution": 0.75}"#,
            "regions[0].pigment",
            "expected at least 3 entries"
        ),
        (#"{"name": "warm-black", "dilution": 0.5}"#, nil, "regions[1]", "expected a pigment for every region"),
    ])
    func badPigmentsAreRefused(a: String, b: String?, location: String, reason: String) throws {
        let error = try #require(Fixtures.error(PigmentTests.plan(pigmentA: a, pigmentB: b)))
        #expect(error.location == location, "\(error)")
        #expect(error.reason.contains(reason), "\(error)")
        // Placed in the file like every other plan error.
        #expect(error.line != nil, "\(error)")
    }
}
