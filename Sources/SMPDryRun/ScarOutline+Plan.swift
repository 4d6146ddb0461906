import SMPBoardSim
import SMPPlanning

extension ScarOutline {
    /// The scar areas a plan marks: its `scar` regions and every region planned with the scar profile.
    public static func areas(of plan: Plan) -> [ScarOutline] {
        plan.regions.filter { $0.kind == .scar || $0.profile.name == SkinType.scar.rawValue }.map { region in
            ScarOutline(
                rings: ([region.shape.outer] + region.shape.holes).map { ring in
                    ring.points.map { SIMD2($0.x, $0.y) }
                })
        }
    }
}
