import Foundation
import SMPHardware

/// Reads and validates a `smpctl-plan/1` file. Every problem is a `PlanError` naming the file, the JSON path or
/// SVG element id, and what was expected; nothing is generated from a plan that fails here.
public enum PlanLoader {
    public static let format = "smpctl-plan/1"
    /// Room for the largest `dots` list the schema allows (`maxExplicitDots`) at 64 bytes a dot: a pretty-printed
    /// dot with 3 decimals takes about 25.
    public static let maxFileBytes = 64 << 20
    /// The longest explicit `dots` list: the same bound as generated dots.
    public static let maxExplicitDots = PlanLimits.maxDots
    public static let densityRange: ClosedRange<Double> = 5...150
    /// Holes per region and vertices per region (outline and holes together), so that validating a region costs
    /// well under a second (Docs/PlanFormat.md, "Limits").
    public static let maxHolesPerRegion = 256
    public static let maxVerticesPerRegion = 100_000

    /// Loads the plan at `url`. `board` overrides the plan's own `"board"` entry (the CLI's `--board`).
    public static func load(contentsOf url: URL, displayName: String? = nil, board: BoardDefinition? = nil) throws
        -> Plan
    {
        let name = displayName ?? url.path
        let data = try readFile(url, name: name, limit: maxFileBytes)
        return try parse(data, file: name, directory: url.deletingLastPathComponent(), board: board)
    }

    /// Reads a regular file of at most `limit` bytes. A directory, FIFO or device is refused by what it is (a
    /// FIFO would block, /dev/zero would never end), and a read error by its errno text.
    static func readFile(_ url: URL, name: String, limit: Int) throws -> Data {
        func failure(_ reason: String) -> PlanError { PlanError(file: name, location: "", reason: reason) }
        func errnoText() -> String { String(cString: strerror(errno)) }
        let fd = open(url.path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot read the file: \(errnoText())") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw failure("cannot read the file: \(errnoText())") }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw failure("is a directory; expected a file")
        case S_IFIFO: throw failure("is a FIFO; expected a regular file")
        case S_IFCHR, S_IFBLK: throw failure("is a device; expected a regular file")
        default: throw failure("is not a regular file; expected one")
        }
        guard Int(info.st_size) <= limit else {
            throw failure("file is \(grouped(Int(info.st_size))) bytes; expected at most \(grouped(limit))")
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size) + 1)
        var count = 0
        while count < bytes.count {
            let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, $0.count - count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("cannot read the file: \(errnoText())")
            }
            if n == 0 { break }
            count += n
        }
        // One byte more than fstat said: the file grows while it is read.
        guard count < bytes.count else { throw failure("the file changed while it was read; expected a finished file") }
        return Data(bytes[0..<count])
    }

    /// Parses plan JSON. `directory` resolves the relative `board` and `svg` file names.
    public static func parse(_ data: Data, file: String, directory: URL?, board boardOverride: BoardDefinition? = nil)
        throws -> Plan
    {
        guard data.count <= maxFileBytes else {
            throw PlanError(
                file: file, location: "",
                reason: "file is \(grouped(data.count)) bytes; expected at most \(grouped(maxFileBytes))")
        }
        let root = try JSONNode.document(data, file: file)
        let top = try root.object(allowed: [
            "format", "name", "description", "board", "seed", "svg", "regions", "hairline", "session",
            "existing_hairs", "dots", "blends", "pigment_catalogue",
        ])
        guard let formatNode = top["format"] else {
            throw root.fail(member: "format", "missing; expected \"\(format)\"")
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
            throw root.fail(member: "regions", "missing; expected an array of regions")
        }
        let regionNodes = try regionsNode.array(minCount: 1, maxCount: 1000)
        var regions: [PlanRegion] = []
        var hairlineRegionPath: String?
        var budget = PlanLimits.Budget()
        for node in regionNodes {
            let region = try parseRegion(node, board: board, svg: svg, svgName: svgName)
            try budget.add(region, node: node)
            if let other = regions.first(where: { $0.name == region.name }) {
                throw node.fail(
                    member: "name", "duplicate region name \"\(printableText(other.name))\"; expected unique names")
            }
            if region.kind == .hairline {
                if let earlier = hairlineRegionPath {
                    throw node.fail(member: "kind", "a plan has at most one hairline region; \(earlier) is one already")
                }
                hairlineRegionPath = node.path
            }
            regions.append(region)
        }

        var hairline: HairlineSpec?
        if let hairlineNode = top["hairline"] {
            hairline = try parseHairline(hairlineNode, regions: regions, svg: svg, svgName: svgName, board: board)
        } else if let path = hairlineRegionPath {
            throw root.fail(member: "hairline", "missing; \(path) is a hairline region and needs the line")
        }

        let session = try top["session"].map(parseSession) ?? .single
        try applyPigments(
            regionNodes, to: &regions, sessions: session.count, catalogueNode: top["pigment_catalogue"],
            directory: directory)

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
            let nodes = try dotsNode.array(minCount: 1, maxCount: maxExplicitDots)
            var dots: [Point] = []
            dots.reserveCapacity(nodes.count)
            let raster = RegionRaster(regions: regions, cell: 0.25)
            for p in nodes {
                let point = try p.point()
                try checkOnBoard(point, board: board, node: p)
                guard raster.region(at: point) != nil else {
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
            hairClearanceMM: clearance, explicitDots: explicitDots, board: board,
            blends: try top["blends"].map { try parseBlends($0, regions: regions) } ?? [])
    }

    static func resolve(_ path: String, against directory: URL?) -> URL {
        if path.hasPrefix("/") || directory == nil { return URL(fileURLWithPath: path) }
        return URL(fileURLWithPath: path, relativeTo: directory).standardizedFileURL
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
            "strokes", "feather", "pigment",
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
                holeNodes = try holesNode.array(maxCount: maxHolesPerRegion)
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
            depthOverrideMM: depth, strokesPerDot: strokes,
            feather: try object["feather"].map { try parseFeather($0, shape: shape, board: board) })
    }

    /// Checks a polygon with holes: enough distinct vertices, non-zero area, no self-intersection, holes inside
    /// the outline and apart from each other, everything within the board's travel. `fail` builds the error.
    public static func validate(_ shape: PolygonWithHoles, board: BoardDefinition, fail: (String) -> PlanError)
        throws
    {
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
        }
        let rings = [shape.outer] + shape.holes
        let vertexCount = rings.reduce(0) { $0 + $1.points.count }
        guard shape.holes.count <= maxHolesPerRegion else {
            throw fail("has \(shape.holes.count) holes; expected at most \(maxHolesPerRegion)")
        }
        guard vertexCount <= maxVerticesPerRegion else {
            throw fail(
                "has \(vertexCount) vertices (outline and holes); expected at most \(maxVerticesPerRegion) (simplify it, or raise the SVG tolerance_mm)"
            )
        }
        func label(_ ring: Int) -> String { ring == 0 ? "" : "hole \(ring - 1): " }
        for (r, ring) in rings.enumerated() { try check(ring, label(r)) }
        // All on one line: say so before the sweep calls its doubling back a crossing.
        for (r, ring) in rings.enumerated() where ring.area < 0.01 && isCollinear(ring.points) {
            throw fail("\(label(r))is degenerate (area \(decimal(ring.area)) mm2); expected at least 0.01 mm2")
        }
        // One sweep over every edge finds a ring crossing itself, a hole crossing the outline and holes crossing
        // each other; with none of those, a ring lies wholly inside or outside another, so one vertex tells which.
        if let c = SegmentSweep.firstCrossing(rings.map(\.points)) {
            if c.ringA == c.ringB,
                c.edgeB - c.edgeA == 1 || (c.edgeA == 0 && c.edgeB == rings[c.ringA].points.count - 1)
            {
                let vertex = c.edgeB - c.edgeA == 1 ? c.edgeB : 0
                throw fail(
                    "\(label(c.ringA))doubles back on itself at vertex \(vertex) (edges \(c.edgeA) and \(c.edgeB) overlap); expected a simple polygon"
                )
            } else if c.ringA == c.ringB {
                throw fail(
                    "\(label(c.ringA))crosses itself (edges \(c.edgeA) and \(c.edgeB)); expected a simple polygon")
            } else if c.ringA == 0 {
                throw fail(
                    "\(label(c.ringB))crosses the region's outline (its edge \(c.edgeB), outline edge \(c.edgeA)); expected holes inside it"
                )
            } else {
                throw fail("\(label(c.ringB))overlaps hole \(c.ringA - 1); expected separate holes")
            }
        }
        for (r, ring) in rings.enumerated() where ring.area < 0.01 {
            throw fail("\(label(r))is degenerate (area \(decimal(ring.area)) mm2); expected at least 0.01 mm2")
        }
        let holeBoxes = shape.holes.map(\.bounds)
        for (i, hole) in shape.holes.enumerated() {
            let p = hole.points[0]
            guard shape.outer.contains(p) else {
                throw fail(
                    "hole \(i): vertex (\(decimal(p.x)), \(decimal(p.y))) is outside its region; expected holes inside the outline"
                )
            }
            for (j, other) in shape.holes.enumerated() where j != i {
                guard let box = holeBoxes[j], box.intersects(Rect(minX: p.x, minY: p.y, maxX: p.x, maxY: p.y))
                else { continue }
                if other.contains(p) {
                    throw fail("hole \(max(i, j)): overlaps hole \(min(i, j)); expected separate holes")
                }
            }
        }
    }

    static func isCollinear(_ points: [Point]) -> Bool {
        guard let first = points.first,
            let far = points.max(by: { first.distanceSquared(to: $0) < first.distanceSquared(to: $1) })
        else { return true }
        let d = far - first
        return points.allSatisfy { p in
            abs(d.x * (p.y - first.y) - d.y * (p.x - first.x)) <= 1e-9 * max(1, d.x * d.x + d.y * d.y)
        }
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
