import SMPPlanning

/// The worst inputs the planning limits admit, and some just beyond them (Docs/PlanFormat.md, "Limits"): the tests
/// check they are refused or planned with bounded work, the benchmarks time them (Docs/Performance.md).
public enum AdversarialInputs {
    /// A plan of one region whose polygon, given as JSON.
    public static func plan(_ polygon: [Point], density: Double = 20) -> String {
        let points = polygon.map { "[\($0.x),\($0.y)]" }.joined(separator: ",")
        return """
            {"format": "smpctl-plan/1",
             "regions": [{"name": "r", "kind": "density", "polygon": [\(points)], "density": \(density),
                          "profile": "fitzpatrick-1-3"}]}
            """
    }

    /// `count` vertices going round one 140 x 140 mm rectangle again and again, each lap 1 um further right:
    /// every edge lies on others (a quadratic pair test took 18 s for 3,001 vertices).
    public static func lappedRectangle(vertices count: Int) -> [Point] {
        let corners = [Point(10, 10), Point(150, 10), Point(150, 150), Point(10, 150)]
        return (0..<count).map { corners[$0 % 4] + Point(Double($0 / 4) * 0.001, 0) }
    }

    /// A simple comb of 100,000 vertices: 24,999 teeth 0.002 mm wide, 0.004 mm apart and 0.19 mm tall, 20 m of
    /// outline (the limits of one plan), so that every raster cell it covers holds about a hundred edges and every
    /// raster row fifty thousand.
    public static func comb() -> [Point] {
        var points: [Point] = []
        let teeth = 24_999
        for t in 0..<teeth {
            let x = 20 + Double(t) * 0.004
            points += [Point(x, 20), Point(x, 20.19), Point(x + 0.002, 20.19), Point(x + 0.002, 20)]
        }
        points += [Point(20 + Double(teeth) * 0.004, 19), Point(20, 19)]
        return points
    }

    /// An SVG of 200 x 200 mm holding one `path` element with id "s".
    public static func svg(path d: String) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="200mm" height="200mm" viewBox="0 0 200 200">\
        <path id="s" d="\(d)"/></svg>
        """
    }

    /// `count` circles of radius 40 mm (three cubic curves each) around nearly the same centre, as separate
    /// subpaths (`joined` false: an outline and holes that all cross) or as one subpath.
    public static func overlappingCurves(_ count: Int, joined: Bool) -> String {
        let circles = (0..<count).map { k in
            let cx = 100 + Double(k % 20) * 0.1
            return "\(cx - 40) 100 C \(cx - 40) 78 \(cx - 22) 60 \(cx) 60 S \(cx + 40) 78 \(cx + 40) 100 "
                + "S \(cx + 22) 140 \(cx) 140 S \(cx - 40) 122 \(cx - 40) 100"
        }
        return joined
            ? "M " + circles.joined(separator: " L ") + " Z" : circles.map { "M \($0) Z" }.joined(separator: " ")
    }

    /// Path data of `points` straight segments zigzagging across the drawing: over 3 MB for 250,000, under the
    /// 4 MiB path and 8 MiB file caps.
    public static func zigzagPath(points: Int) -> String {
        var d = "M 10 10"
        d.reserveCapacity(points * 14)
        for k in 0..<points {
            let y = 10 + Double(k) * 0.0007
            d += k % 2 == 0 ? " L 190 \(y)" : " L 10 \(y)"
        }
        return d + " Z"
    }
}
