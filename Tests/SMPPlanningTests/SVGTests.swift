import Foundation
import Testing

@testable import SMPPlanning

@Suite struct SVGTests {
    func svg(_ body: String, width: String = "200mm", height: String = "200mm", viewBox: String = "0 0 200 200")
        -> String
    {
        """
        <?xml version="1.0"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" viewBox="\(viewBox)">\(body)</svg>
        """
    }

    func parse(_ text: String) throws -> SVGDocument {
        try SVGDocument.parse(Data(text.utf8), file: "t.svg", toleranceMM: 0.01)
    }

    @Test func everyPathCommand() throws {
        let d = "M 10 10 L 20 10 H 30 V 20 C 30 25 25 30 20 30 S 10 25 10 20 Q 5 15 10 12 T 12 10 A 2 2 0 0 1 14 10 Z"
        let doc = try parse(svg("<path id=\"p\" d=\"\(d)\"/>"))
        let subpaths = try #require(doc.shapes["p"])
        #expect(subpaths.count == 1)
        #expect(subpaths[0].closed)
        let points = subpaths[0].points
        #expect(points.first == Point(10, 10))
        #expect(points.contains(Point(30, 10)))
        #expect(points.contains(Point(30, 20)))
        #expect(points.contains(Point(20, 30)))
        #expect(points.count > 20)  // curves were flattened
    }

    /// S and T reflect the previous control point about the pen. The curves after the reflection dip to y = -7.5
    /// (cubic) and y = -5 (quadratic) at their middle; without it they would stay above -4.5 and at 0.
    @Test func smoothCurvesReflectThePreviousControlPoint() throws {
        let cubic = try #require(
            try parse(svg(#"<path id="p" d="M 0 0 C 0 10 10 10 10 0 S 20 -10 20 0"/>"#)).shapes["p"])
        let cubicTail = cubic[0].points.filter { $0.x > 10 }
        #expect(abs((cubicTail.map(\.y).min() ?? 0) + 7.5) < 0.05)
        let quadratic = try #require(try parse(svg(#"<path id="p" d="M 0 0 Q 5 10 10 0 T 20 0"/>"#)).shapes["p"])
        let quadraticTail = quadratic[0].points.filter { $0.x > 10 }
        #expect(abs((quadraticTail.map(\.y).min() ?? 0) + 5) < 0.05)
        // After a command of the other family, the smooth one has no control to reflect: it starts at the pen.
        let mixed = try #require(try parse(svg(#"<path id="p" d="M 0 0 Q 5 10 10 0 S 20 -10 20 0"/>"#)).shapes["p"])
        let mixedTail = mixed[0].points.filter { $0.x > 10 }
        #expect((mixedTail.map(\.y).min() ?? 0) > -5)
    }

    @Test func relativeCommandsAndImplicitLineTo() throws {
        let doc = try parse(svg(#"<path id="p" d="m 10 10 10 0 0 10 h -10 z m 50 50 l 5 0"/>"#))
        let subpaths = try #require(doc.shapes["p"])
        #expect(subpaths[0].points == [Point(10, 10), Point(20, 10), Point(20, 20), Point(10, 20)])
        #expect(subpaths[1].points == [Point(60, 60), Point(65, 60)])
    }

    @Test func flatteningHonoursTheTolerance() throws {
        // A quarter circle as an arc, radius 50 mm: every flattened vertex lies on the circle and every chord's
        // midpoint within the tolerance of it.
        let doc = try parse(svg(#"<path id="arc" d="M 150 100 A 50 50 0 0 1 100 150"/>"#))
        let points = try #require(doc.shapes["arc"]?.first?.points)
        for p in points { #expect(abs(p.distance(to: Point(100, 100)) - 50) < 1e-9) }
        for k in 1..<points.count {
            let mid = (points[k - 1] + points[k]) * 0.5
            #expect(50 - mid.distance(to: Point(100, 100)) <= 0.0100001)
        }
        // Cubic: compare with the exact curve at fine parameters.
        let p0 = Point(0, 0)
        let p1 = Point(0, 40)
        let p2 = Point(60, 40)
        let p3 = Point(60, 0)
        let cubic = try parse(svg(#"<path id="c" d="M 0 0 C 0 40 60 40 60 0"/>"#))
        let flat = try #require(cubic.shapes["c"]?.first?.points)
        for i in 0...200 {
            let t = Double(i) / 200
            let u = 1 - t
            let exact = p0 * (u * u * u) + p1 * (3 * u * u * t) + p2 * (3 * u * t * t) + p3 * (t * t * t)
            var best = Double.infinity
            for k in 1..<flat.count {
                best = min(best, Polyline.distanceSquared(exact, flat[k - 1], flat[k]).squareRoot())
            }
            #expect(best <= 0.0100001)
        }
    }

    @Test func unitsViewBoxAndTransforms() throws {
        // 100 mm wide document with a 0..1000 viewBox: one user unit is 0.1 mm.
        let doc = try parse(
            svg(
                #"<g transform="translate(100 0)"><rect id="r" x="0" y="0" width="100" height="50" transform="scale(2)"/></g><polygon inkscape:label="poly" points="0,0 10,0 10,10"/>"#,
                width: "100mm", height: "100mm", viewBox: "0 0 1000 1000"))
        let rect = try #require(doc.shapes["r"]?.first?.points)
        #expect(rect == [Point(10, 0), Point(30, 0), Point(30, 10), Point(10, 10)])
        #expect(doc.shapes["poly"]?.first?.points == [Point(0, 0), Point(1, 0), Point(1, 1)])
        let inches = try parse(
            svg(#"<line id="l" x1="0" y1="0" x2="96" y2="0"/>"#, width: "1in", height: "1in", viewBox: "0 0 96 96"))
        #expect(inches.shapes["l"]?.first?.points.last == Point(25.4, 0))
    }

    @Test func regionWithHoleFromSubpaths() throws {
        let doc = try parse(svg(#"<path id="donut" d="M 10 10 H 50 V 50 H 10 Z M 20 20 H 30 V 30 H 20 Z"/>"#))
        let region = try doc.region(id: "donut", file: "t.svg")
        #expect(region.outer.area == 1600)
        #expect(region.holes.count == 1)
        #expect(throws: PlanError.self) { try doc.region(id: "missing", file: "t.svg") }
    }

    @Test(arguments: [
        ("<?xml version=\"1.0\"?><!DOCTYPE svg [<!ENTITY a \"aaaa\">]><svg>&a;</svg>", "DOCTYPE"),
        ("<?xml version=\"1.0\"?><!DOCTYPE svg SYSTEM \"file:///etc/passwd\"><svg/>", "DOCTYPE"),
        ("<svg xmlns=\"http://www.w3.org/2000/svg\"><path id=\"big\" d=\"M 1e308 0 L 0 0\"/></svg>", "magnitude"),
        ("<svg xmlns=\"http://www.w3.org/2000/svg\"><path id=\"bad\" d=\"M 0 0 L 5\"/></svg>", "expected a number"),
        ("<svg xmlns=\"http://www.w3.org/2000/svg\"><path id=\"q\" d=\"10 10\"/></svg>", "must start with a command"),
        (
            "<svg xmlns=\"http://www.w3.org/2000/svg\"><path id=\"t\" d=\"M0 0\" transform=\"spin(3)\"/></svg>",
            "transform"
        ),
        ("<svg><path d=\"M 0 0\"", "malformed SVG"),
        ("<html/>", "expected <svg>"),
    ])
    func hostileOrBrokenSVGIsRefused(text: String, expected: String) throws {
        let error = try #require(throws: PlanError.self) { try parse(text) }
        #expect(error.file == "t.svg")
        #expect(error.description.contains(expected), "\(error)")
    }

    @Test func errorsNameTheElement() throws {
        let error = try #require(throws: PlanError.self) {
            try parse(svg(#"<path id="crown" d="M 0 0 L x"/>"#))
        }
        #expect(error.location == "svg#crown")
    }

    @Test func exampleSVGBuildsTheNorwoodPlan() throws {
        let plan = try PlanLoader.load(
            contentsOf: Fixtures.examples.appendingPathComponent("norwood5.json"), displayName: "n5")
        #expect(plan.regions.map(\.name) == ["frontal", "mid-scalp", "crown"])
        let crown = plan.regions[2].shape
        // Ellipse rx 42, ry 36 around (100, 138).
        // Flattened at 0.05 mm the inscribed polygon loses about perimeter x 2/3 tolerance (~8 mm2) of area.
        #expect(abs(crown.area - Double.pi * 42 * 36) < 10)
        #expect(crown.contains(Point(100, 138)))
        #expect(plan.hairline?.line.count ?? 0 > 10)
    }
}

@Suite struct SVGOverflowTests {
    /// Nested scale(1e6) overflows to infinity and NaN: refused as outside the board, never crashes.
    @Test func overflowingTransformsAreRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("smp-svg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let open = String(repeating: "<g transform=\"scale(1000000) skewX(45)\">", count: 40)
        let close = String(repeating: "</g>", count: 40)
        let svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="200mm" height="200mm" viewBox="0 0 200 200">\(open)<path id="a" d="M 1 1 L 5 1 L 5 -5 Z"/>\(close)</svg>
            """
        try Data(svg.utf8).write(to: directory.appendingPathComponent("big.svg"))
        let plan = """
            {"format": "smpctl-plan/1", "svg": {"file": "big.svg"},
             "regions": [{"name": "a", "kind": "density", "svg_id": "a", "profile": "thin"}]}
            """
        #expect(throws: PlanError.self) {
            _ = try PlanLoader.parse(Data(plan.utf8), file: "plan.json", directory: directory)
        }
    }
}
