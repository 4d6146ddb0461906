import Foundation
import SMPHardware
import Testing

@testable import SMPPlanning

@Suite struct PlanLoaderTests {
    @Test(arguments: ["quick.json", "norwood5.json", "scar-coverage.json", "explicit-dots.json"])
    func examplesLoad(name: String) throws {
        let plan = try PlanLoader.load(contentsOf: Fixtures.examples.appendingPathComponent(name), displayName: name)
        #expect(!plan.regions.isEmpty)
    }

    @Test func pitchBecomesDensity() throws {
        let json = Self.squareWith("\"density\": 100", "\"pitch_mm\": 1.0")
        let plan = try Fixtures.plan(json)
        #expect(abs(plan.regions[0].densityPerCM2 - 115.47) < 0.01)
    }

    @Test func sessionDefaults() throws {
        let plan = try Fixtures.plan(Fixtures.square(sessions: 3))
        #expect(plan.session.fractions == [0.3, 0.7, 1.0])
        #expect(try Fixtures.plan(Fixtures.square()).session == .single)
    }

    struct BadCase: Sendable, CustomTestStringConvertible {
        var json: String
        var location: String
        var expected: String
        init(_ json: String, _ location: String, _ expected: String) {
            self.json = json
            self.location = location
            self.expected = expected
        }
        var testDescription: String { "\(location): \(expected)" }
    }

    static let polygon = "[[50.0,50.0],[90.0,50.0],[90.0,90.0],[50.0,90.0]]"
    static func squareWith(_ old: String, _ new: String, sessions: Int = 1) -> String {
        Fixtures.square(sessions: sessions).replacingOccurrences(of: old, with: new)
    }

    static let badCases: [BadCase] = [
        BadCase("{", "", "malformed JSON"),
        BadCase(#"{"format": "smpctl-plan/2", "regions": []}"#, "format", "smpctl-plan/1"),
        BadCase(#"{"format": "smpctl-plan/1", "regions": [], "colour": 1}"#, "colour", "unknown key"),
        BadCase(#"{"format": "smpctl-plan/1", "regions": []}"#, "regions", "at least 1"),
        BadCase(
            squareWith(polygon, "[[50,50],[90,90],[90,50],[60,90]]"),
            "regions[0].polygon", "crosses itself"
        ),
        BadCase(
            squareWith(polygon, "[[50,50],[60,50],[70,50]]"),
            "regions[0].polygon", "degenerate"
        ),
        BadCase(
            squareWith(polygon, "[[50,50],[60,50],[60]]"),
            "regions[0].polygon[2]", "[x, y]"
        ),
        BadCase(
            squareWith("\"density\": 100", "\"density\": 100, \"holes\": [[[95,95],[99,95],[99,99]]]"),
            "regions[0].holes[0]", "outside its region"
        ),
        BadCase(Fixtures.square(density: 200), "regions[0].density", "between 5 and 150"),
        BadCase(Fixtures.square(density: 2), "regions[0].density", "between 5 and 150"),
        BadCase(Fixtures.square(side: 180), "regions[0].polygon", "outside the board's travel"),
        BadCase(
            squareWith("\"density\": 100", "\"density\": 100, \"depth_mm\": 2.5"),
            "regions[0].depth_mm", "hang ceiling"
        ),
        BadCase(squareWith("fitzpatrick-1-3", "leather"), "regions[0].profile", "unknown skin profile"),
        BadCase(squareWith("fitzpatrick-1-3", "keloid"), "regions[0].profile", "keloid"),
        BadCase(
            squareWith("\"density\": 100", "\"density\": 100, \"needle\": \"9RL\""),
            "regions[0].needle", "unknown needle"
        ),
        BadCase(squareWith("\"of\": 1", "\"of\": 0"), "session.of", "between 1 and 6"),
        BadCase(
            squareWith("\"of\": 3", "\"of\": 3, \"fractions\": [0.5, 0.4, 1]", sessions: 3),
            "session.fractions[1]", "increase"
        ),
        BadCase(
            Fixtures.square(extra: #", "dots": [[10, 10]]"#), "dots[0]", "in no region"
        ),
        BadCase(
            Fixtures.square(extra: #", "hairline": {"polyline": [[50, 50], [90, 50]]}"#), "hairline",
            "no region of kind hairline"
        ),
        BadCase(
            Fixtures.square(extra: #", "svg": {"file": "does-not-exist.svg"}"#), "", "cannot read"
        ),
    ]

    /// Each bad input names the file, the JSON path and what was expected.
    @Test(arguments: badCases)
    func badInputIsRefused(_ bad: BadCase) throws {
        let error = try #require(Fixtures.error(bad.json))
        #expect(error.file == "test.json" || error.file == "does-not-exist.svg")
        #expect(error.location == bad.location, "\(error)")
        #expect(error.reason.contains(bad.expected), "\(error)")
    }

    @Test func emptyResultIsRefused() throws {
        // Hair clearance covering the whole (tiny) region leaves no room for a dot.
        let json = """
            {"format": "smpctl-plan/1", "regions": [{"name": "tiny", "kind": "density", "polygon": [[50,50],[50.5,50],[50.5,50.5],[50,50.5]], "density": 100, "profile": "thin"}],
             "existing_hairs": {"clearance_mm": 2, "positions": [[50.25, 50.25]]}}
            """
        let error = try #require(Fixtures.error(json))
        #expect(error.reason.contains("no dots"))
    }

    @Test func profileCatalogue() {
        for name in ["fitzpatrick-1-3", "fitzpatrick-4-6", "thin", "thick-oily", "scar", "keloid"] {
            #expect(SkinProfile.named(name) != nil)
        }
        #expect(SkinProfile.keloid.refusalReason != nil)
        for profile in SkinProfile.catalogue where profile.refusalReason == nil {
            #expect(Needle.named(profile.defaultNeedle) != nil)
            #expect(profile.typicalHangMM.upperBound <= BoardDefinition.r1.hangCeilingMM)
            #expect(profile.plannedStrokes <= BoardDefinition.r1.maxStrokesPerDot)
        }
        #expect(Needle.catalogue.allSatisfy { (0.18...0.30).contains($0.diameterMM) })
    }
}
