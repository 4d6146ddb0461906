import SMPHardware

/// Parsing of feathered edges and blended borders (PlanFormat.md, "Edges").
extension PlanLoader {
    /// `"feather": {"edges": [1, 3] | "polylines": [[[x, y], ...], ...], "width_mm": 6, "end_fraction": 0.1,
    /// "macro": {...}, "micro": {...}}`.
    static func parseFeather(_ node: JSONNode, shape: PolygonWithHoles, board: BoardDefinition) throws -> FeatherSpec {
        let object = try node.object(allowed: ["edges", "polylines", "width_mm", "end_fraction", "macro", "micro"])
        var lines: [[Point]] = []
        switch (object["edges"], object["polylines"]) {
        case (.some(let edgesNode), nil):
            let outline = shape.outer.points
            var indices: [Int] = []
            for e in try edgesNode.array(minCount: 1, maxCount: outline.count) {
                let i = try e.integer(in: 0...(outline.count - 1))
                if indices.contains(i) { throw e.fail("edge \(i) is listed twice; expected distinct edges") }
                indices.append(i)
            }
            // Edges that follow one another on the outline make one line (so its waves run on round corners).
            indices.sort()
            var runs: [[Int]] = []
            for i in indices {
                if let last = runs.last?.last, last + 1 == i {
                    runs[runs.count - 1].append(i)
                } else {
                    runs.append([i])
                }
            }
            if runs.count > 1, let first = runs.first, first.first == 0, let last = runs.last,
                last.last == outline.count - 1
            {
                runs[runs.count - 1] += first
                runs.removeFirst()
            }
            lines = runs.map { run in run.map { outline[$0] } + [outline[(run.last! + 1) % outline.count]] }
        case (nil, .some(let polylinesNode)):
            for lineNode in try polylinesNode.array(minCount: 1, maxCount: 100) {
                let points = try lineNode.points(minCount: 2, maxCount: 100_000)
                for p in points { try checkOnBoard(p, board: board, node: lineNode) }
                var cleaned: [Point] = []
                for p in points where cleaned.last.map({ $0.distanceSquared(to: p) > 1e-12 }) ?? true {
                    cleaned.append(p)
                }
                guard cleaned.count >= 2 else { throw lineNode.fail("fewer than two distinct points; expected a line") }
                lines.append(cleaned)
            }
        case (.some(let e), .some):
            throw e.fail("give either \"edges\" or \"polylines\", not both")
        case (nil, nil):
            throw node.fail("missing \"edges\" (outline edge numbers) or \"polylines\"; expected the open edges")
        }
        guard let widthNode = object["width_mm"] else {
            throw node.fail("missing \"width_mm\"; expected a width in mm")
        }
        let width = try widthNode.number(in: 0.5...50, what: "a feather width in mm")
        let end = try object["end_fraction"]?.number(in: 0.05...1, what: "a fraction") ?? 0.1
        func wave(_ key: String, amplitude: Double, wavelength: Double) throws -> (Double, Double) {
            guard let waveNode = object[key] else { return (amplitude, wavelength) }
            let w = try waveNode.object(allowed: ["amplitude_mm", "wavelength_mm"])
            return (
                try w["amplitude_mm"]?.number(in: 0...20, what: "an amplitude in mm") ?? amplitude,
                try w["wavelength_mm"]?.number(in: 0.5...500, what: "a wavelength in mm") ?? wavelength
            )
        }
        let macro = try wave("macro", amplitude: min(2, 0.3 * width), wavelength: 25)
        let micro = try wave("micro", amplitude: 0.5, wavelength: 4)
        // The fade must fit inside the region: some point of it lies farther behind every line than the width
        // plus the waves' recess (sampled on a 48 x 48 grid over the region's bounds).
        let needed = width + macro.0 + micro.0
        let box = shape.bounds ?? Rect(minX: 0, minY: 0, maxX: 0, maxY: 0)
        for (k, points) in lines.enumerated() {
            let line = Polyline(points, reach: needed)
            var depth = 0.0
            search: for i in 0..<48 {
                for j in 0..<48 {
                    let p = Point(
                        box.minX + (Double(i) + 0.5) / 48 * box.width, box.minY + (Double(j) + 0.5) / 48 * box.height)
                    guard shape.contains(p) else { continue }
                    guard let nearest = line.nearest(to: p) else {
                        depth = needed
                        break search
                    }
                    depth = max(depth, nearest.distance)
                    if depth >= needed { break search }
                }
            }
            guard depth >= needed else {
                let which = lines.count > 1 ? " (line \(k))" : ""
                throw widthNode.fail(
                    "the feather\(which) needs \(decimal(needed)) mm (width plus waves) but the region reaches only \(DotsDocument.fixed(depth, 1)) mm behind its open edge; expected a feather narrower than its region"
                )
            }
        }
        return FeatherSpec(
            lines: lines, widthMM: width, endFraction: end, macroAmplitudeMM: macro.0, macroWavelengthMM: macro.1,
            microAmplitudeMM: micro.0, microWavelengthMM: micro.1)
    }

    /// Regions closer than this (mm) touch.
    static let touchingToleranceMM = 0.5

    /// `"blends": [{"regions": ["frontal", "mid-scalp"], "band_mm": 10}, ...]`.
    static func parseBlends(_ node: JSONNode, regions: [PlanRegion]) throws -> [BlendSpec] {
        var blends: [BlendSpec] = []
        for blendNode in try node.array(maxCount: 1000) {
            let object = try blendNode.object(allowed: ["regions", "band_mm"])
            guard let namesNode = object["regions"] else {
                throw blendNode.fail("missing \"regions\"; expected the names of two touching regions")
            }
            var indices: [Int] = []
            for nameNode in try namesNode.array(minCount: 2, maxCount: 2) {
                let name = try nameNode.string()
                guard let index = regions.firstIndex(where: { $0.name == name }) else {
                    throw nameNode.fail("no region named \"\(name)\"; expected the name of a region")
                }
                indices.append(index)
            }
            guard indices[0] != indices[1] else { throw namesNode.fail("expected two different regions") }
            guard let bandNode = object["band_mm"] else {
                throw blendNode.fail("missing \"band_mm\"; expected the width of the blend in mm")
            }
            let band = try bandNode.number(in: 1...60, what: "a blend width in mm")
            let a = regions[indices[0]].shape
            let b = regions[indices[1]].shape
            let gap = distance(between: a, and: b)
            guard gap <= touchingToleranceMM else {
                throw namesNode.fail(
                    "regions \"\(regions[indices[0]].name)\" and \"\(regions[indices[1]].name)\" do not touch (\(gap.isFinite ? decimal(gap) : "more than \(decimal(touchingToleranceMM))") mm apart); expected a blend between touching regions"
                )
            }
            if blends.contains(where: { Set([$0.first, $0.second]) == Set(indices) }) {
                throw namesNode.fail("these two regions are blended already; expected one blend per border")
            }
            blends.append(BlendSpec(first: indices[0], second: indices[1], bandMM: band))
        }
        return blends
    }

    /// The smallest distance between two regions' outlines (0 where one's vertex lies inside the other).
    static func distance(between a: PolygonWithHoles, and b: PolygonWithHoles) -> Double {
        func oneWay(_ from: Ring, _ to: Ring) -> Double {
            let line = Polyline(to.points + [to.points[0]], reach: touchingToleranceMM)
            var best = Double.infinity
            for p in from.points {
                if to.contains(p) { return 0 }
                if let n = line.nearest(to: p) { best = min(best, n.distance) }
            }
            return best
        }
        let gap = min(oneWay(a.outer, b.outer), oneWay(b.outer, a.outer))
        if gap.isFinite { return gap }
        // Nothing within the tolerance: the exact gap, for the message (a bound for outlines too large to pair).
        let points = b.outer.points
        guard a.outer.points.count * points.count <= 4_000_000 else { return .infinity }
        var best = Double.infinity
        for p in a.outer.points {
            for i in points.indices {
                best = min(best, Polyline.distanceSquared(p, points[i], points[(i + 1) % points.count]))
            }
        }
        return best.squareRoot()
    }
}
