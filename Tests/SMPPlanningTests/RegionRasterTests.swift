import Foundation
import SMPHardware
import Testing

@testable import SMPPlanning

/// The raster's exact point test, which looks only at the edges of the point's cell, against testing every
/// polygon edge.
@Suite struct RegionRasterTests {
    func plan(_ regions: String) throws -> Plan {
        try Fixtures.plan(#"{"format": "smpctl-plan/1", "regions": [\#(regions)]}"#)
    }

    func bruteForce(_ raster: RegionRaster, _ p: Point) -> Int? {
        raster.priorityOrder.first { raster.shapes[$0].contains(p) }
    }

    @Test("overlapping regions with holes, wavy outlines and vertices on cell borders: the same owner everywhere")
    func exactTestAgreesWithEveryEdge() throws {
        // A wavy outline with 400 vertices, a square with two holes on quarter-millimetre coordinates (on the
        // cell borders), and a scar over both.
        let wavy = (0..<400).map { k -> String in
            let t = Double(k) / 400 * 2 * Double.pi
            let r = 30 + 4 * sin(7 * t) + 1.5 * sin(31 * t)
            return "[\(100 + r * cos(t)), \(100 + r * sin(t))]"
        }.joined(separator: ",")
        let regions = """
            {"name": "wavy", "kind": "density", "polygon": [\(wavy)], "density": 50, "profile": "thin"},
            {"name": "square", "kind": "density", "polygon": [[60,60],[110.25,60],[110.25,110.25],[60,110.25]],
             "holes": [[[70,70],[80.5,70],[80.5,80.5],[70,80.5]], [[90,90],[100,95],[92,100.75]]],
             "density": 50, "profile": "thin"},
            {"name": "scar", "kind": "scar", "polygon": [[75,75],[125,80],[100,125]], "density": 50, "profile": "scar",
             "needle": "1RL"}
            """
        let loaded = try plan(regions)
        var rng = SeededGenerator(seed: 5)
        for cell in [0.25, 0.37, 0.5] {
            let raster = RegionRaster(regions: loaded.regions, cell: cell)
            var owned = 0
            for _ in 0..<40_000 {
                let p = Point(55 + rng.nextUnit() * 80, 55 + rng.nextUnit() * 80)
                let expected = bruteForce(raster, p)
                if expected != nil { owned += 1 }
                #expect(raster.exactRegion(at: p) == expected, "\(p) cell \(cell)")
                #expect(raster.region(at: p) == expected, "\(p) cell \(cell)")
            }
            // Points on the quarter-millimetre lattice, where vertices and cell borders lie.
            for i in 0..<320 {
                for j in stride(from: 0, to: 320, by: 7) {
                    let p = Point(55 + Double(i) * 0.25, 55 + Double(j) * 0.25)
                    if loaded.regions.contains(where: { $0.shape.outer.distanceToBoundary(p) < 1e-9 }) { continue }
                    #expect(raster.exactRegion(at: p) == bruteForce(raster, p), "\(p) cell \(cell)")
                }
            }
            try #require(owned > 10_000)
        }
    }
}
