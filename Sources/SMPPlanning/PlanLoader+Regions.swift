import Foundation
import SMPHardware

extension PlanLoader {
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
}
