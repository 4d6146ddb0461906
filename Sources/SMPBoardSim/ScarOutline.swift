/// Where a simulated patient's scar tissue lies: an outline in the ``HeadFrame`` (mm), its holes as further rings.
///
/// A practitioner outlines a client's scars when planning, so a scar patient's scars are the plan's scar areas;
/// the simulator takes them as outlines, since it never reads a plan.
public struct ScarOutline: Sendable, Equatable {
    /// Closed rings of (x, y) vertices; a point is scar tissue when an odd number of rings encloses it.
    public var rings: [[SIMD2<Double>]]

    public init(rings: [[SIMD2<Double>]]) { self.rings = rings }

    /// Even-odd containment over all rings, so that a hole ring inside the outer ring is not scar.
    public func contains(x: Double, y: Double) -> Bool {
        var inside = false
        for ring in rings where ring.count >= 3 {
            var previous = ring[ring.count - 1]
            for vertex in ring {
                if (vertex.y > y) != (previous.y > y) {
                    let crossing = previous.x + (y - previous.y) / (vertex.y - previous.y) * (vertex.x - previous.x)
                    if x < crossing { inside.toggle() }
                }
                previous = vertex
            }
        }
        return inside
    }
}
