import Foundation
import SMPHardware
import SMPPlanningTesting
import Testing

@testable import SMPPlanning

/// Plans and SVGs as an attacker or a careless export would write them: refused before any large work, in one
/// line that says where, what was found and what was expected. Work is bounded by counts (`SegmentSweepTests`);
/// the wall-clock limits here only stop a hang from stalling the suite.
@Suite struct UntrustedPlanInputTests {
    /// Debug builds (`make test`) run these 10-50 times slower than the release figures in Docs/Performance.md.
    static let hangGuard = Duration.seconds(20)

    /// The PlanError that loading `json` raises, and how long it took.
    func refusal(_ json: String, board: BoardDefinition? = nil, directory: URL? = Fixtures.examples) -> (
        PlanError?, Duration
    ) {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            _ = try PlanLoader.parse(Data(json.utf8), file: "test.json", directory: directory, board: board)
            return (nil, clock.now - start)
        } catch let error as PlanError {
            return (error, clock.now - start)
        } catch {
            return (PlanError(file: "?", location: "?", reason: "unexpected \(error)"), clock.now - start)
        }
    }

    static func region(_ polygon: [Point], density: Double = 50, extra: String = "") -> String {
        let points = polygon.map { "[\($0.x),\($0.y)]" }.joined(separator: ",")
        return """
            {"format": "smpctl-plan/1",
             "regions": [{"name": "r", "kind": "density", "polygon": [\(points)], "density": \(decimal(density)),
                          "profile": "fitzpatrick-1-3"\(extra)}]}
            """
    }

    static func board(travel: Double) -> BoardDefinition {
        var board = BoardDefinition.r1
        board.axes.x.travelMM = travel
        board.axes.y.travelMM = travel
        return board
    }

    // MARK: Memory

    @Test("a region over a 10 m board at 150 dots/cm2 is refused before generation, naming the count and the cap")
    func hundredFiftyMillionDotsAreRefused() throws {
        let json = Self.region([Point(0, 0), Point(10_000, 0), Point(10_000, 10_000), Point(0, 10_000)], density: 150)
        let (error, elapsed) = refusal(json, board: Self.board(travel: 10_000))
        let refusal = try #require(error)
        #expect(refusal.location == "regions[0]", "\(refusal)")
        #expect(refusal.line == 2 && refusal.column == 14, "\(refusal)")
        #expect(refusal.reason.contains("150,000,000 dots"), "\(refusal)")
        #expect(refusal.reason.contains("at most 1,000,000"), "\(refusal)")
        #expect(elapsed < Self.hangGuard)
    }

    @Test("the dot budget counts every region: the region that goes over it is named")
    func dotBudgetIsOverAllRegions() throws {
        // Three 500 x 500 mm regions at 150 dots/cm2: 375,000 dots each.
        let regions = (0..<3).map { k in
            let x = Double(k) * 510
            return
                #"{"name": "r\#(k)", "kind": "density", "polygon": [[\#(x),0],[\#(x + 500),0],[\#(x + 500),500],[\#(x),500]], "density": 150, "profile": "thin"}"#
        }
        let json = #"{"format": "smpctl-plan/1", "regions": [\#(regions.joined(separator: ","))]}"#
        let refusal = try #require(refusal(json, board: Self.board(travel: 1_600)).0)
        #expect(refusal.location == "regions[2]", "\(refusal)")
        #expect(refusal.reason.contains("1,125,000 with the regions before it"), "\(refusal)")
    }

    @Test("two tiny regions at opposite corners of a 2 m board: the grids' box is refused")
    func regionsSpanningTooLargeABoxAreRefused() throws {
        let json = """
            {"format": "smpctl-plan/1", "regions": [
              {"name": "a", "kind": "density", "polygon": [[1,1],[3,1],[3,3],[1,3]], "density": 50, "profile": "thin"},
              {"name": "b", "kind": "density", "polygon": [[1997,1997],[1999,1997],[1999,1999],[1997,1999]], "density": 50, "profile": "thin"}]}
            """
        let refusal = try #require(refusal(json, board: Self.board(travel: 2_000)).0)
        #expect(refusal.location == "regions[1]", "\(refusal)")
        #expect(refusal.reason.contains("1998 x 1998 mm"), "\(refusal)")
        #expect(refusal.reason.contains("at most 1,000,000 mm2"), "\(refusal)")
    }

    @Test("a hairline 100 m long (a wave table of 2 billion entries) is refused")
    func overlongHairlineIsRefused() throws {
        let zigzag = (0..<1000).map { k in "[\(k % 2 == 0 ? 10 : 190), \(10 + Double(k) * 0.15)]" }
        let json = """
            {"format": "smpctl-plan/1",
             "regions": [{"name": "front", "kind": "hairline", "polygon": [[5,5],[195,5],[195,195],[5,195]],
                          "density": 20, "profile": "thin"}],
             "hairline": {"polyline": [\(zigzag.joined(separator: ","))]}}
            """
        let refusal = try #require(refusal(json).0)
        #expect(refusal.location == "hairline", "\(refusal)")
        #expect(refusal.reason.contains("at most 2,000 mm"), "\(refusal)")
    }

    // MARK: Time

    @Test("3,001 and 6,001 vertices going round one rectangle (18 s and minutes before) are refused at once")
    func lappedRectangleIsRefusedQuickly() throws {
        for count in [3001, 6001] {
            let (error, elapsed) = refusal(Self.region(AdversarialInputs.lappedRectangle(vertices: count)))
            let refusal = try #require(error)
            #expect(refusal.location == "regions[0].polygon", "\(refusal)")
            #expect(refusal.reason.contains("crosses itself") || refusal.reason.contains("doubles back"), "\(refusal)")
            #expect(elapsed < Self.hangGuard, "\(count) vertices took \(elapsed)")
        }
    }

    static func svg(_ body: String) -> Data {
        Data(
            """
            <svg xmlns="http://www.w3.org/2000/svg" width="200mm" height="200mm" viewBox="0 0 200 200">\(body)</svg>
            """.utf8)
    }

    func svgRefusal(_ body: String, id: String = "s") -> (PlanError?, Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let document = try SVGDocument.parse(Self.svg(body), file: "t.svg", toleranceMM: 0.05)
            let shape = try document.region(id: id, file: "t.svg")
            try PlanLoader.validate(shape, board: .r1) { PlanError(file: "t.svg", location: "svg#\(id)", reason: $0) }
            return (nil, clock.now - start)
        } catch let error as PlanError {
            return (error, clock.now - start)
        } catch {
            return (PlanError(file: "?", location: "?", reason: "\(error)"), clock.now - start)
        }
    }

    @Test("800 overlapping curves in one SVG path (11.5 s before) are refused at once")
    func overlappingCurvesAreRefusedQuickly() throws {
        let (many, manyElapsed) = svgRefusal(
            #"<path id="s" d="\#(AdversarialInputs.overlappingCurves(800, joined: false))"/>"#)
        #expect(try #require(many).reason.contains("holes; expected at most 256"))
        #expect(manyElapsed < Self.hangGuard)
        let (some, someElapsed) = svgRefusal(
            #"<path id="s" d="\#(AdversarialInputs.overlappingCurves(200, joined: false))"/>"#)
        let overlap = try #require(some)
        #expect(overlap.reason.contains("overlaps") || overlap.reason.contains("crosses"), "\(overlap)")
        #expect(someElapsed < Self.hangGuard)
        let oneSubpath = AdversarialInputs.overlappingCurves(800, joined: true)
        let (crossing, crossingElapsed) = svgRefusal(#"<path id="s" d="\#(oneSubpath)"/>"#)
        let crossingReason = try #require(crossing).reason
        #expect(
            crossingReason.contains("crosses itself") || crossingReason.contains("doubles back")
                || crossingReason.contains("points"), "\(crossingReason)")
        #expect(crossingElapsed < Self.hangGuard)
    }

    @Test("a 3 MB path (under the file and path caps) is refused by the vertex limit at once")
    func threeMegabytePathIsRefusedQuickly() throws {
        let d = AdversarialInputs.zigzagPath(points: 250_000)
        #expect(d.utf8.count > 3_000_000 && d.utf8.count < SVGPathParser.maxLength)
        let (error, elapsed) = svgRefusal(#"<path id="s" d="\#(d)"/>"#)
        #expect(try #require(error).reason.contains("more than 100000 points"), "\(String(describing: error))")
        #expect(elapsed < Self.hangGuard)
    }

    @Test("the largest admitted region (100,000 vertices, a fine comb) validates, plans and orders in bounded time")
    func largestAdmittedRegionPlans() throws {
        let points = AdversarialInputs.comb()
        let json = Self.region(points, density: 20)
        let clock = ContinuousClock()
        let start = clock.now
        let plan = try Fixtures.plan(json)
        let result = try Planner.run(plan)
        #expect(!result.sessionDots.isEmpty)
        #expect(clock.now - start < Self.hangGuard * 3)
    }

    // MARK: Silently accepted

    @Test(arguments: [
        (#"<rect id="s" x="10" y="10" width="-30" height="20"/>"#, "rect width is -30"),
        (#"<rect id="s" x="10" y="10" width="30" height="0"/>"#, "rect height is 0"),
        (#"<circle id="s" cx="50" cy="50" r="-5"/>"#, "circle r is -5"),
        (#"<ellipse id="s" cx="50" cy="50" rx="5" ry="-1"/>"#, "ellipse ry is -1"),
    ])
    func negativeSizesAreRefused(body: String, expected: String) throws {
        let error = try #require(svgRefusal(body).0)
        #expect(error.location == "svg#s", "\(error)")
        #expect(error.reason.contains(expected), "\(error)")
        #expect(error.line != nil)
    }

    @Test(arguments: [
        #"<svg xmlns="http://www.w3.org/2000/svg" width="100%" height="100%" viewBox="0 0 200 200">"#,
        #"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200">"#,
        #"<svg xmlns="http://www.w3.org/2000/svg">"#,
    ])
    func rootWithoutAnAbsoluteSizeIsRefused(root: String) throws {
        let text = root + #"<rect id="s" x="10" y="10" width="30" height="20"/></svg>"#
        let error = try #require(throws: PlanError.self) {
            try SVGDocument.parse(Data(text.utf8), file: "t.svg", toleranceMM: 0.05)
        }
        #expect(error.location.hasPrefix("<svg>"), "\(error)")
        #expect(error.reason.contains("expected the drawing's size in absolute units"), "\(error)")
    }

    @Test("session 2 of 3 without --previous gets a warning naming session 1; with it, none")
    func laterSessionWithoutPreviousWarns() {
        let session = SessionSpec(index: 2, fractions: [0.3, 0.7, 1])
        let warning = PreviousSession.uncheckedWarning(session: session, checked: [])
        #expect(warning?.contains("session 2 of 3") == true && warning?.contains("session 1") == true)
        #expect(PreviousSession.uncheckedWarning(session: session, checked: [1]) == nil)
        #expect(PreviousSession.uncheckedWarning(session: .single, checked: []) == nil)
        let third = PreviousSession.uncheckedWarning(
            session: SessionSpec(index: 3, fractions: [0.3, 0.7, 1]), checked: [2])
        #expect(third?.contains("session 1:") == true, "\(third ?? "")")
    }

    @Test("the file limit admits the largest dots list the schema allows, at 64 bytes a dot")
    func explicitDotLimitsAgree() {
        let widestDot =
            "    [" + String(repeating: "9", count: 5) + ".123456, " + String(repeating: "9", count: 5)
            + ".123456],\n"
        #expect(widestDot.utf8.count <= 64)
        #expect(PlanLoader.maxExplicitDots == 1_000_000)
        #expect(PlanLoader.maxFileBytes >= PlanLoader.maxExplicitDots * 64 + 4096)
    }

    // MARK: Error text

    @Test("a number out of range is named as such, with line and column")
    func numberOutOfRangeNamesLineAndColumn() throws {
        let json = "{\"format\": \"smpctl-plan/1\",\n \"seed\": 1e400}"
        let error = try #require(refusal(json).0)
        #expect(error.line == 2 && error.column == 10, "\(error)")
        #expect(error.reason.contains("number 1e400 is out of range"), "\(error)")
        #expect(!error.description.contains("DecodingError"))
    }

    @Test("malformed JSON gives line, column and what was expected there")
    func malformedJSONNamesLineAndColumn() throws {
        let json = "{\"format\": \"smpctl-plan/1\",\n  \"regions\": [\n    {\"name\": \"a\",}\n  ]}"
        let error = try #require(refusal(json).0)
        #expect(error.line == 3 && error.column == 18, "\(error)")
        #expect(error.reason.contains("expected a key in quotes"), "\(error)")
        #expect(error.description.hasPrefix("test.json:3:18: malformed JSON"), "\(error)")
    }

    @Test("a field error gives the JSON path with the value's line and column, and the value found")
    func fieldErrorNamesPathLineAndColumn() throws {
        let json = Fixtures.square().replacingOccurrences(of: "\"density\": 100", with: "\"density\": \"high\"")
        let error = try #require(refusal(json).0)
        #expect(error.location == "regions[0].density")
        #expect(error.line == 3 && error.column != nil, "\(error)")
        #expect(error.reason.contains(#"found "high""#), "\(error)")
        let duplicate = try #require(refusal(#"{"format": "smpctl-plan/1", "format": "x"}"#).0)
        #expect(duplicate.reason.contains("appears twice"), "\(duplicate)")
    }

    @Test("areas and lengths in messages are rounded: 0.009, not 0.009000000000014552")
    func numbersInMessagesAreRounded() throws {
        let error = try #require(refusal(Self.region([Point(50, 50), Point(50.3, 50), Point(50, 50.06)])).0)
        #expect(error.reason.contains("area 0.009 mm2"), "\(error)")
        #expect(decimal(0.009000000000014552) == "0.009")
        #expect(decimal(-0.0000001) == "-1e-07")
        #expect(decimal(12.5) == "12.5")
    }

    @Test("XML errors are words with line and column, not NSXMLParserErrorDomain error 9")
    func xmlErrorsAreWords() throws {
        let text =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10mm\" height=\"10mm\">\n<g><rect id=\"a\" width=\"1\" height=\"1\"/></h></svg>"
        let error = try #require(throws: PlanError.self) {
            try SVGDocument.parse(Data(text.utf8), file: "t.svg", toleranceMM: 0.05)
        }
        #expect(!error.description.contains("NSXMLParserErrorDomain"), "\(error)")
        #expect(error.line == 2, "\(error)")
        #expect(error.reason.contains("malformed SVG"), "\(error)")
    }

    @Test("an attribute name that is not UTF-8 (it trapped inside FoundationXML) is refused naming the byte")
    func invalidUTF8IsRefused() throws {
        var bytes = Array(#"<svg xmlns="http://www.w3.org/2000/svg" width="9mm" height="9mm" v"#.utf8)
        bytes += [0xEF, 0xBF, 0x20, 0xFF]
        bytes += Array(#"iewBox="0 0 9 9"><rect id="r" width="1" height="1"/></svg>"#.utf8)
        let error = try #require(throws: PlanError.self) {
            try SVGDocument.parse(Data(bytes), file: "t.svg", toleranceMM: 0.05)
        }
        #expect(error.reason.contains("byte 66 is not UTF-8") && error.column == 67, "\(error)")
        #expect(SVGDocument.firstInvalidUTF8(Data("café ✓ 😀".utf8)) == nil)
        #expect(SVGDocument.firstInvalidUTF8(Data([0x41, 0xC0, 0x80])) == 1)
        #expect(SVGDocument.firstInvalidUTF8(Data([0xED, 0xA0, 0x80])) == 0)
    }

    @Test("a directory, a FIFO or /dev/zero as the plan is refused by what it is, without reading forever")
    func nonRegularFilesAreRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("plan10-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("fifo")
        try #require(mkfifo(fifo.path, 0o600) == 0)
        for (url, expected) in [
            (directory, "is a directory"), (fifo, "is a FIFO"), (URL(fileURLWithPath: "/dev/zero"), "is a device"),
        ] {
            let error = try #require(throws: PlanError.self) { try PlanLoader.load(contentsOf: url) }
            #expect(error.reason.contains(expected), "\(error)")
        }
    }
}
