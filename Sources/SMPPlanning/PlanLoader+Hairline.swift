import Foundation
import SMPHardware

extension PlanLoader {
    // MARK: Hairline

    static func parseHairline(
        _ node: JSONNode, regions: [PlanRegion], svg: SVGDocument?, svgName: String, board: BoardDefinition
    ) throws -> HairlineSpec {
        let object = try node.object(allowed: [
            "region", "polyline", "path", "svg_id", "transition_mm", "front_density_fraction", "macro", "micro",
            "sentinels_per_100mm", "sentinel_depth_mm", "tolerance_mm",
        ])
        let regionIndex: Int
        if let regionNode = object["region"] {
            let name = try regionNode.string()
            guard let index = regions.firstIndex(where: { $0.name == name }) else {
                throw regionNode.fail("no region named \"\(name)\"; expected the name of the hairline region")
            }
            guard regions[index].kind == .hairline else {
                throw regionNode.fail(
                    "region \"\(name)\" is of kind \(regions[index].kind.rawValue); expected kind hairline")
            }
            regionIndex = index
        } else {
            guard let index = regions.firstIndex(where: { $0.kind == .hairline }) else {
                throw node.fail("no region of kind hairline; expected one for the hairline to shape")
            }
            regionIndex = index
        }

        let tolerance = try object["tolerance_mm"]?.number(in: 0.001...1, what: "a tolerance in mm") ?? 0.05
        var line: [Point]
        let sources = ["polyline", "path", "svg_id"].filter { object[$0] != nil }
        guard sources.count == 1 else {
            throw node.fail("expected exactly one of \"polyline\", \"path\" (SVG path data) or \"svg_id\"")
        }
        if let polylineNode = object["polyline"] {
            line = try polylineNode.points(minCount: 2, maxCount: 100_000)
        } else if let pathNode = object["path"] {
            let d = try pathNode.string()
            do {
                let subpaths = try SVGPathParser.parse(d, toleranceMM: tolerance, transform: .identity)
                line = subpaths.first?.points ?? []
            } catch let error as SVGPathParser.Failure {
                throw pathNode.fail("SVG path data: \(error.reason)")
            }
            guard line.count >= 2 else { throw pathNode.fail("expected a path with at least two points") }
        } else if let idNode = object["svg_id"] {
            let id = try idNode.string()
            guard let svg else { throw idNode.fail("the plan has no \"svg\" file to take element \"\(id)\" from") }
            line = try svg.polyline(id: id, file: svgName)
        } else {
            throw node.fail("expected one of \"polyline\", \"path\" or \"svg_id\"")
        }
        // Drop repeated vertices: they make zero-length segments with no direction.
        var cleaned: [Point] = []
        for p in line where cleaned.last.map({ $0.distanceSquared(to: p) > 1e-12 }) ?? true { cleaned.append(p) }
        line = cleaned
        guard line.count >= 2 else { throw node.fail("the hairline has fewer than two distinct points") }
        var length = 0.0
        for k in 1..<line.count { length += line[k - 1].distance(to: line[k]) }
        guard length <= PlanLimits.maxHairlineLengthMM else {
            throw node.fail(
                "the hairline is \(grouped(Int(length.rounded()))) mm long; expected at most \(grouped(Int(PlanLimits.maxHairlineLengthMM))) mm"
            )
        }
        for (i, p) in line.enumerated()
        where !(p.x >= 0 && p.x <= board.axes.x.travelMM && p.y >= 0 && p.y <= board.axes.y.travelMM) {
            throw node.fail(
                "point \(i) (\(decimal(p.x)), \(decimal(p.y))) of the hairline is outside the board's travel (0...\(decimal(board.axes.x.travelMM)) x 0...\(decimal(board.axes.y.travelMM)) mm)"
            )
        }

        func wave(_ key: String, amplitude: Double, wavelength: Double) throws -> (Double, Double) {
            guard let waveNode = object[key] else { return (amplitude, wavelength) }
            let w = try waveNode.object(allowed: ["amplitude_mm", "wavelength_mm"])
            return (
                try w["amplitude_mm"]?.number(in: 0...20, what: "an amplitude in mm") ?? amplitude,
                try w["wavelength_mm"]?.number(in: 0.5...500, what: "a wavelength in mm") ?? wavelength
            )
        }
        let macro = try wave("macro", amplitude: 2.5, wavelength: 30)
        let micro = try wave("micro", amplitude: 0.6, wavelength: 4)
        return HairlineSpec(
            regionIndex: regionIndex, line: line,
            transitionWidthMM: try object["transition_mm"]?.number(in: 1...30, what: "a transition width in mm") ?? 8,
            frontDensityFraction: try object["front_density_fraction"]?.number(in: 0.05...1, what: "a fraction")
                ?? 0.25,
            macroAmplitudeMM: macro.0, macroWavelengthMM: macro.1, microAmplitudeMM: micro.0,
            microWavelengthMM: micro.1,
            sentinelsPer100MM: try object["sentinels_per_100mm"]?.number(in: 0...50, what: "a count per 100 mm") ?? 4,
            sentinelDepthMM: try object["sentinel_depth_mm"]?.number(in: 0.5...10, what: "a distance in mm") ?? 3)
    }
}
