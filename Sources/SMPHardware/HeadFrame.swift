/// The one head frame every module uses: plans, the simulator's patient and reports.
///
/// Millimetres on the scalp patch as the rig's X/Y axes see it: y grows toward the back of the head, from the
/// forehead hairline (y = 0) to the nape (y = 200); x runs across the head from the patient's right ear (x = 0) to
/// the left ear (x = 200); the midline is x = 100. A plan's coordinates are in this frame, and so are the board's
/// X/Y, so a point means the same place on the head everywhere.
public enum HeadFrame {
    /// Width and depth of the patch the frame covers (mm).
    public static let extentMM = 200.0
    /// x of the midline (mm).
    public static let midlineX = 100.0

    /// A named place on the head, in this frame.
    public enum Landmark: String, Sendable, CaseIterable, Codable {
        /// Midline at the front hairline.
        case foreheadMidline = "forehead_midline"
        /// Midline at the nape.
        case napeMidline = "nape_midline"
        /// The patient's right side (above the right ear), at the crown's depth.
        case rightSide = "right_side"
        /// The patient's left side (above the left ear), at the crown's depth.
        case leftSide = "left_side"
        /// The vertex: midline, in the middle of the crown region.
        case vertex

        /// Where the landmark is (mm).
        public var position: (x: Double, y: Double) {
            switch self {
            case .foreheadMidline: (HeadFrame.midlineX, 0)
            case .napeMidline: (HeadFrame.midlineX, HeadFrame.extentMM)
            case .rightSide: (0, HeadFrame.vertexY)
            case .leftSide: (HeadFrame.extentMM, HeadFrame.vertexY)
            case .vertex: (HeadFrame.midlineX, HeadFrame.vertexY)
            }
        }
    }

    /// Region borders [E]: the front band reaches 50 mm back from the hairline, the temples are the sides of the
    /// first 90 mm more than 55 mm from the midline, the crown ends 140 mm back; behind it is the occiput.
    public static let frontDepthMM = 50.0
    public static let templeDepthMM = 90.0
    public static let templeLateralMM = 55.0
    public static let crownDepthMM = 140.0
    /// y of the vertex: the middle of the crown region.
    public static let vertexY = (frontDepthMM + crownDepthMM) / 2

    /// The region of a point (mm).
    public static func region(x: Double, y: Double) -> ScalpRegion {
        let lateral = abs(x - midlineX)
        if y <= templeDepthMM && lateral > templeLateralMM { return .temples }
        if y <= frontDepthMM { return .front }
        if y <= crownDepthMM { return .crown }
        return .occiput
    }
}

/// Where on the head a point lies (``HeadFrame/region(x:y:)``).
public enum ScalpRegion: String, Sendable, Codable, CaseIterable {
    case front
    case temples
    case crown
    case occiput

    /// The region of a point in the head frame (mm).
    public static func at(x: Double, y: Double) -> ScalpRegion { HeadFrame.region(x: x, y: y) }

    /// Regional deposit modifier [E, DOMAIN.md]: +0.1 mm at crown and occiput, −0.1 mm at the front and temples.
    public var depositModifierMM: Double {
        switch self {
        case .front, .temples: return -0.1
        case .crown, .occiput: return 0.1
        }
    }
}
