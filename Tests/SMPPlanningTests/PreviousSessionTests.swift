import Foundation
import Testing

@testable import SMPPlanning

/// An earlier session's DOTS.json is checked against the regenerated pattern; anything else is refused by name.
@Suite struct PreviousSessionTests {
    static func result(session: Int) throws -> PlanResult {
        try Planner.run(
            try Fixtures.plan(
                Fixtures.square(side: 20, sessions: 3, seed: 4).replacingOccurrences(
                    of: #""index": 1"#, with: #""index": \#(session)"#)))
    }

    @Test func theEarlierSessionsOwnFileIsAccepted() throws {
        let first = DotsDocument.render(try Self.result(session: 1))
        let second = try Self.result(session: 2)
        try PreviousSession.verify(Data(first.utf8), file: "s1.json", against: second)
        let third = try Self.result(session: 3)
        try PreviousSession.verify(Data(DotsDocument.render(second).utf8), file: "s2.json", against: third)
    }

    @Test func anythingElseIsRefusedNamingWhere() throws {
        let first = DotsDocument.render(try Self.result(session: 1))
        let second = try Self.result(session: 2)
        func error(_ text: String) -> PlanError? {
            do {
                try PreviousSession.verify(Data(text.utf8), file: "prev.json", against: second)
                return nil
            } catch let error as PlanError {
                return error
            } catch {
                return PlanError(file: "?", location: "?", reason: "\(error)")
            }
        }
        let cases: [(String, String)] = [
            ("not json", ""),
            (first.replacingOccurrences(of: "smpctl-dots/1", with: "smpctl-dots/9"), "format"),
            (first.replacingOccurrences(of: DotGenerator.algorithm, with: "smpctl-blue-noise/3"), "generator"),
            (first.replacingOccurrences(of: #""seed": 4"#, with: #""seed": 5"#), "seed"),
            (first.replacingOccurrences(of: #""of": 3"#, with: #""of": 2"#), "session.of"),
            (DotsDocument.render(second), "session.index"),
            (first.replacingOccurrences(of: #""seed": 4,"#, with: ""), "seed"),
            (first.replacingOccurrences(of: #""travel_mm""#, with: #""travel""#), "travel"),
        ]
        for (text, location) in cases {
            let refusal = try #require(error(text), "accepted: \(location)")
            #expect(refusal.file == "prev.json")
            #expect(refusal.location == location, "\(refusal)")
        }
        // One dot moved by a micrometre is enough.
        let firstX = try #require(first.range(of: #""x": "#))
        let digits = first[firstX.upperBound...].prefix { $0 != "," }
        let nudged = String(format: "%.3f", (Double(digits) ?? 0) + 0.001)
        let moved = first.replacingCharacters(in: firstX.upperBound..<digits.endIndex, with: nudged)
        #expect(error(moved)?.location == "dots[0]")
        // The same dot twice (and another left out) is refused, not counted as checked.
        let ids = first.ranges(of: #""id": "#)
        let secondID = try #require(ids.dropFirst().first)
        let firstDigits = first[ids[0].upperBound...].prefix { $0 != "," }
        let secondDigits = first[secondID.upperBound...].prefix { $0 != "," }
        let repeated = first.replacingCharacters(in: secondID.upperBound..<secondDigits.endIndex, with: firstDigits)
        #expect(error(repeated)?.location == "dots[1].id")
    }
}
