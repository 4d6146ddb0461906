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
}
