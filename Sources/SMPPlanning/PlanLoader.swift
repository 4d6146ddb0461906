import Foundation
import SMPHardware

/// Reads and validates a `smpctl-plan/1` file. Every problem is a `PlanError` naming the file, the JSON path or
/// SVG element id, and what was expected; nothing is generated from a plan that fails here.
public enum PlanLoader {
    public static let format = "smpctl-plan/1"
    /// Plans are hand-written or exported; 16 MiB is far beyond any real one (35k explicit dots is ~1 MiB).
    public static let maxFileBytes = 16 << 20
    public static let densityRange: ClosedRange<Double> = 5...150

    /// Loads the plan at `url`. `board` overrides the plan's own `"board"` entry (the CLI's `--board`).
    public static func load(contentsOf url: URL, displayName: String? = nil, board: BoardDefinition? = nil) throws
        -> Plan
    {
        let name = displayName ?? url.path
        let data = try readFile(url, name: name, limit: maxFileBytes)
        return try parse(data, file: name, directory: url.deletingLastPathComponent(), board: board)
    }

    static func readFile(_ url: URL, name: String, limit: Int) throws -> Data {
        let data: Data
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            if let size = attributes[.size] as? Int, size > limit {
                throw PlanError(file: name, location: "", reason: "file is \(size) bytes; expected at most \(limit)")
            }
            data = try Data(contentsOf: url)
        } catch let error as PlanError {
            throw error
        } catch {
            throw PlanError(file: name, location: "", reason: "cannot read the file (\(error.localizedDescription))")
        }
        guard data.count <= limit else {
            throw PlanError(file: name, location: "", reason: "file is \(data.count) bytes; expected at most \(limit)")
        }
        return data
    }

    /// Parses plan JSON. `directory` resolves the relative `board` and `svg` file names.
    public static func parse(_ data: Data, file: String, directory: URL?, board boardOverride: BoardDefinition? = nil)
        throws -> Plan
    {
        guard data.count <= maxFileBytes else {
            throw PlanError(
                file: file, location: "", reason: "file is \(data.count) bytes; expected at most \(maxFileBytes)")
        }
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw PlanError(file: file, location: "", reason: "malformed JSON: \(describe(error))")
        }
        let root = JSONNode(value: value, path: "", file: file)
        let top = try root.object(allowed: [
            "format", "name", "description", "board", "seed", "svg", "regions", "hairline", "session",
            "existing_hairs", "dots",
        ])
        guard let formatNode = top["format"] else {
            throw PlanError(file: file, location: "format", reason: "missing; expected \"\(format)\"")
        }
        let found = try formatNode.string()
        guard found == format else { throw formatNode.fail("expected \"\(format)\", found \"\(found)\"") }
        if let n = top["name"] { _ = try n.string() }
        if let n = top["description"] { _ = try n.string() }

        var board = BoardDefinition.r1
        if let override = boardOverride {
            board = override
        } else if let boardNode = top["board"] {
            let path = try boardNode.string()
            let url = resolve(path, against: directory)
            do {
                board = try BoardDefinition.load(from: url.path)
            } catch {
                throw PlanError(error)
            }
        }

        let seed = try top["seed"].map { UInt64(try $0.integer(in: 0...(1 << 53))) } ?? 0

        var svg: SVGDocument?
        var svgName = ""
        if let svgNode = top["svg"] {
            let svgObject = try svgNode.object(allowed: ["file", "tolerance_mm"])
            guard let fileNode = svgObject["file"] else { throw svgNode.fail("missing \"file\"; expected an SVG path") }
            svgName = try fileNode.string()
            let tolerance = try svgObject["tolerance_mm"]?.number(in: 0.001...1, what: "a tolerance in mm") ?? 0.05
            let url = resolve(svgName, against: directory)
            let svgData = try readFile(url, name: svgName, limit: SVGDocument.maxFileBytes)
            svg = try SVGDocument.parse(svgData, file: svgName, toleranceMM: tolerance)
        }

        guard let regionsNode = top["regions"] else {
            throw PlanError(file: file, location: "regions", reason: "missing; expected an array of regions")
        }
        let regionNodes = try regionsNode.array(minCount: 1, maxCount: 1000)
        var regions: [PlanRegion] = []
        var hairlineRegionPath: String?
        for node in regionNodes {
            let region = try parseRegion(node, board: board, svg: svg, svgName: svgName)
            if let other = regions.first(where: { $0.name == region.name }) {
                throw PlanError(
                    file: file, location: node.child("name"), reason: "duplicate region name \"\(other.name)\"")
            }
            if region.kind == .hairline {
                if let earlier = hairlineRegionPath {
                    throw PlanError(
                        file: file, location: node.child("kind"),
                        reason: "a plan has at most one hairline region; \(earlier) is one already")
                }
                hairlineRegionPath = node.path
            }
            regions.append(region)
        }

        var hairline: HairlineSpec?
        if let hairlineNode = top["hairline"] {
            hairline = try parseHairline(hairlineNode, regions: regions, svg: svg, svgName: svgName, board: board)
        } else if let path = hairlineRegionPath {
            throw PlanError(
                file: file, location: "hairline", reason: "missing; \(path) is a hairline region and needs the line")
        }

        let session = try top["session"].map(parseSession) ?? .single

        var hairs: [Point] = []
        var clearance = 0.0
        if let hairsNode = top["existing_hairs"] {
            let object = try hairsNode.object(allowed: ["clearance_mm", "positions"])
            clearance = try object["clearance_mm"]?.number(in: 0...5, what: "a clearance in mm") ?? 0.5
            if let positions = object["positions"] {
                let nodes = try positions.array(maxCount: 200_000)
                for p in nodes {
                    let point = try p.point()
                    try checkOnBoard(point, board: board, node: p)
                    hairs.append(point)
                }
            }
        }

        var explicitDots: [Point]?
        if let dotsNode = top["dots"] {
            let nodes = try dotsNode.array(minCount: 1, maxCount: 1_000_000)
            var dots: [Point] = []
            dots.reserveCapacity(nodes.count)
            for p in nodes {
                let point = try p.point()
                try checkOnBoard(point, board: board, node: p)
                guard regions.contains(where: { $0.shape.contains(point) }) else {
                    throw p.fail(
                        "dot at (\(decimal(point.x)), \(decimal(point.y))) lies in no region; expected a dot inside one"
                    )
                }
                dots.append(point)
            }
            explicitDots = dots
        }

        return Plan(
            file: file, seed: seed, regions: regions, hairline: hairline, session: session, existingHairs: hairs,
            hairClearanceMM: clearance, explicitDots: explicitDots, board: board)
    }

    static func resolve(_ path: String, against directory: URL?) -> URL {
        if path.hasPrefix("/") || directory == nil { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: path, relativeTo: directory).standardizedFileURL
    }

    static func describe(_ error: any Error) -> String {
        if let decoding = error as? DecodingError {
            switch decoding {
            case .dataCorrupted(let context): return context.underlyingError.map { "\($0)" } ?? context.debugDescription
            default: return "\(decoding)"
            }
        }
        return error.localizedDescription
    }

    static func checkOnBoard(_ p: Point, board: BoardDefinition, node: JSONNode) throws {
        guard p.x >= 0, p.x <= board.axes.x.travelMM, p.y >= 0, p.y <= board.axes.y.travelMM else {
            throw node.fail(
                "(\(decimal(p.x)), \(decimal(p.y))) is outside the board's travel; expected 0...\(decimal(board.axes.x.travelMM)) x 0...\(decimal(board.axes.y.travelMM)) mm (\(board.model))"
            )
        }
    }

    // MARK: Regions

    static func parseRegion(_ node: JSONNode, board: BoardDefinition, svg: SVGDocument?, svgName: String) throws
        -> PlanRegion
    {
        let object = try node.object(allowed: [
            "name", "kind", "polygon", "holes", "svg_id", "density", "pitch_mm", "needle", "profile", "depth_mm",
            "strokes",
        ])
        guard let nameNode = object["name"] else { throw node.fail("missing \"name\"; expected a region name") }
        let name = try nameNode.string()
        guard !name.isEmpty, name.count <= 100 else { throw nameNode.fail("expected a name of 1-100 characters") }
        guard let kindNode = object["kind"] else {
            throw node.fail("missing \"kind\"; expected one of density, hairline, scar")
        }
        let kindText = try kindNode.string()
        guard let kind = RegionKind(rawValue: kindText) else {
            throw kindNode.fail("unknown kind \"\(kindText)\"; expected one of density, hairline, scar")
        }

        let shape: PolygonWithHoles
        if let idNode = object["svg_id"] {
            guard object["polygon"] == nil else { throw idNode.fail("give either \"polygon\" or \"svg_id\", not both") }
            let id = try idNode.string()
            guard let svg else { throw idNode.fail("the plan has no \"svg\" file to take element \"\(id)\" from") }
            shape = try svg.region(id: id, file: svgName)
            try validate(shape, board: board, fail: { PlanError(file: svgName, location: "svg#\(id)", reason: $0) })
        } else {
            guard let polygonNode = object["polygon"] else {
                throw node.fail("missing \"polygon\"; expected [[x, y], ...] in mm (or \"svg_id\")")
            }
            let outer = try polygonNode.points(minCount: 3, maxCount: 100_000)
            var holes: [Ring] = []
            var holeNodes: [JSONNode] = []
            if let holesNode = object["holes"] {
                holeNodes = try holesNode.array(maxCount: 10_000)
                for h in holeNodes { holes.append(Ring(try h.points(minCount: 3, maxCount: 100_000))) }
            }
            shape = PolygonWithHoles(outer: Ring(outer), holes: holes)
            try validate(shape, board: board) { reason in
                // Point the message at the ring concerned: "hole 2: ..." becomes holes[2].
                if reason.hasPrefix("hole "), let rest = reason.dropFirst(5).split(separator: ":", maxSplits: 1).first,
                    let index = Int(rest), index < holeNodes.count
                {
                    let text = reason.dropFirst(5 + rest.count + 1).trimmingCharacters(in: .whitespaces)
                    return holeNodes[index].fail(text)
                }
                return polygonNode.fail(reason)
            }
        }

        guard let profileNode = object["profile"] else {
            throw node.fail(
                "missing \"profile\"; expected one of \(SkinProfile.catalogue.map(\.name).joined(separator: ", "))")
        }
        let profileName = try profileNode.string()
        guard let profile = SkinProfile.named(profileName) else {
            throw profileNode.fail(
                "unknown skin profile \"\(profileName)\"; expected one of \(SkinProfile.catalogue.map(\.name).joined(separator: ", "))"
            )
        }
        if let refusal = profile.refusalReason { throw profileNode.fail(refusal) }

        let needle: Needle
        if let needleNode = object["needle"] {
            let needleName = try needleNode.string()
            guard let n = Needle.named(needleName) else {
                throw needleNode.fail(
                    "unknown needle \"\(needleName)\"; expected one of \(Needle.catalogue.map(\.name).joined(separator: ", "))"
                )
            }
            needle = n
        } else {
            needle = Needle.named(profile.defaultNeedle) ?? .rl3
        }

        let density: Double
        switch (object["density"], object["pitch_mm"]) {
        case (.some(let d), nil):
            density = try d.number(in: densityRange, what: "a density in dots/cm2")
        case (nil, .some(let p)):
            // Pitch of a hexagon-like pattern: density = 2 / (sqrt(3) p^2) per mm^2.
            let pitch = try p.number(in: 0.1...100, what: "a pitch in mm")
            density = 200 / (3.0.squareRoot() * pitch * pitch)
            guard densityRange.contains(density) else {
                throw p.fail(
                    "pitch \(decimal(pitch)) mm means \(String(format: "%.1f", density)) dots/cm2; expected a density between 5 and 150 (pitch 0.88-4.8 mm)"
                )
            }
        case (.some(let d), .some):
            throw d.fail("give either \"density\" or \"pitch_mm\", not both")
        case (nil, nil):
            density = profile.defaultDensityPerCM2
        }

        var depth: Double?
        if let depthNode = object["depth_mm"] {
            let d = try depthNode.number(what: "a hang in mm")
            guard d > 0, d <= board.hangCeilingMM else {
                throw depthNode.fail(
                    "hang \(decimal(d)) mm; expected more than 0 and at most the board's hang ceiling \(decimal(board.hangCeilingMM)) mm (\(board.model))"
                )
            }
            depth = d
        } else if profile.typicalHangMM.upperBound > board.hangCeilingMM {
            throw profileNode.fail(
                "profile \(profile.name) hangs up to \(decimal(profile.typicalHangMM.upperBound)) mm, beyond the board's ceiling \(decimal(board.hangCeilingMM)) mm; set depth_mm"
            )
        }

        let strokes = try object["strokes"]?.integer(in: 1...board.maxStrokesPerDot) ?? profile.plannedStrokes
        guard strokes <= board.maxStrokesPerDot else {
            throw node.fail("profile strokes \(strokes) exceed the board's \(board.maxStrokesPerDot) per dot")
        }

        return PlanRegion(
            name: name, kind: kind, shape: shape, densityPerCM2: density, needle: needle, profile: profile,
            depthOverrideMM: depth, strokesPerDot: strokes)
    }

    /// Checks a polygon with holes: enough distinct vertices, non-zero area, no self-intersection, holes inside
    /// the outline and apart from each other, everything within the board's travel. `fail` builds the error.
    static func validate(_ shape: PolygonWithHoles, board: BoardDefinition, fail: (String) -> PlanError) throws {
        func check(_ ring: Ring, _ label: String) throws {
            guard ring.points.count >= 3 else {
                throw fail("\(label)has \(ring.points.count) distinct vertices; expected at least 3")
            }
            // !(inside) rather than (outside) so that NaN from an overflowing SVG transform is refused too.
            if let i = ring.points.firstIndex(where: {
                !($0.x >= 0 && $0.x <= board.axes.x.travelMM && $0.y >= 0 && $0.y <= board.axes.y.travelMM)
            }) {
                let p = ring.points[i]
                throw fail(
                    "\(label)vertex \(i) (\(decimal(p.x)), \(decimal(p.y))) is outside the board's travel; expected 0...\(decimal(board.axes.x.travelMM)) x 0...\(decimal(board.axes.y.travelMM)) mm (\(board.model))"
                )
            }
            if let (e, f) = ring.firstSelfIntersection() {
                throw fail("\(label)crosses itself (edges \(e) and \(f)); expected a simple polygon")
            }
            guard ring.area >= 0.01 else {
                throw fail("\(label)is degenerate (area \(ring.area) mm2); expected an area")
            }
        }
        try check(shape.outer, "")
        for (i, hole) in shape.holes.enumerated() {
            let label = "hole \(i): "
            try check(hole, label)
            for p in hole.points where !shape.outer.contains(p) {
                throw fail(
                    "\(label)vertex (\(decimal(p.x)), \(decimal(p.y))) is outside its region; expected holes inside the outline"
                )
            }
            if ringsCross(hole, shape.outer) {
                throw fail("\(label)crosses the region's outline; expected holes inside it")
            }
            for (j, other) in shape.holes.enumerated() where j < i {
                if ringsCross(hole, other) || hole.points.contains(where: other.contains)
                    || other.points.contains(where: hole.contains)
                {
                    throw fail("\(label)overlaps hole \(j); expected separate holes")
                }
            }
        }
    }

    static func ringsCross(_ a: Ring, _ b: Ring) -> Bool {
        let combinedCount = a.points.count * b.points.count
        if combinedCount > 4_000_000 {
            // Too many pairs for a quadratic check: rely on the vertex tests alone.
            return false
        }
        for i in 0..<a.points.count {
            let a0 = a.points[i]
            let a1 = a.points[(i + 1) % a.points.count]
            for j in 0..<b.points.count
            where Ring.segmentsIntersect(a0, a1, b.points[j], b.points[(j + 1) % b.points.count]) {
                return true
            }
        }
        return false
    }

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

    // MARK: Sessions

    static func parseSession(_ node: JSONNode) throws -> SessionSpec {
        let object = try node.object(allowed: ["index", "of", "fractions"])
        guard let ofNode = object["of"] else { throw node.fail("missing \"of\"; expected the number of sessions") }
        let count = try ofNode.integer(in: 1...6)
        guard let indexNode = object["index"] else { throw node.fail("missing \"index\"; expected 1...\(count)") }
        let index = try indexNode.integer(in: 1...count)
        var fractions = SessionSpec.defaultFractions(count: count)
        if let fractionsNode = object["fractions"] {
            let nodes = try fractionsNode.array(minCount: count, maxCount: count)
            fractions = []
            for n in nodes {
                let f = try n.number(in: 0.05...1, what: "a cumulative density fraction")
                if let previous = fractions.last, f <= previous {
                    throw n.fail("fractions must increase; \(decimal(f)) follows \(decimal(previous))")
                }
                fractions.append(f)
            }
            guard fractions.last == 1 else {
                throw fractionsNode.fail("the last fraction must be 1 (the full density after the last session)")
            }
        }
        return SessionSpec(index: index, fractions: fractions)
    }
}
