import SMPHardware

/// What a region is for; each kind gets its own generation rules.
public enum RegionKind: String, Sendable, CaseIterable {
    /// Uniform density fill (crown, mid-scalp, donor area).
    case density
    /// The frontal zone: density ramps up behind an irregular hairline.
    case hairline
    /// Scar coverage: own profile and needle, and it takes precedence over regions it overlaps.
    case scar

    /// Regions that overlap are resolved by priority: a scar wins over a hairline zone, which wins over density.
    var priority: Int {
        switch self {
        case .scar: 0
        case .hairline: 1
        case .density: 2
        }
    }
}

/// One validated region of a plan.
public struct PlanRegion: Sendable {
    public var name: String
    public var kind: RegionKind
    public var shape: PolygonWithHoles
    /// Final (all sessions) density, dots per cm^2.
    public var densityPerCM2: Double
    public var needle: Needle
    public var profile: SkinProfile
    /// Hang override in mm, if the plan sets one; otherwise the profile's planned hang applies.
    public var depthOverrideMM: Double?
    public var strokesPerDot: Int

    /// The hang used for this region's dots.
    public var hangMM: Double { depthOverrideMM ?? profile.plannedHangMM }
}

/// The hairline: the front edge of the hairline region and how the transition behind it looks.
public struct HairlineSpec: Sendable {
    /// Index into `Plan.regions` of the hairline region.
    public var regionIndex: Int
    /// The drawn line, left to right as the practitioner drew it (mm).
    public var line: [Point]
    /// Depth of the transition zone behind the line over which density ramps up to the region's density.
    public var transitionWidthMM: Double
    /// Relative density right at the line (0-1); it ramps to 1 over the transition width.
    public var frontDensityFraction: Double
    /// Large waves (concavities): how far the line recedes, and their typical length along the line.
    public var macroAmplitudeMM: Double
    public var macroWavelengthMM: Double
    /// Small waves.
    public var microAmplitudeMM: Double
    public var microWavelengthMM: Double
    /// Isolated dots in front of the line, per 10 cm of line.
    public var sentinelsPer100MM: Double
    /// How far in front of the line sentinels may sit.
    public var sentinelDepthMM: Double
}

/// Sessions build density in layers: `fractions[k]` is the share of final density reached after session k+1.
public struct SessionSpec: Sendable, Equatable {
    /// The session this plan run is for, 1-based.
    public var index: Int
    public var fractions: [Double]
    public var count: Int { fractions.count }

    public static let single = SessionSpec(index: 1, fractions: [1.0])

    /// DOMAIN.md: about 30% -> 70% -> 100% over three sessions [S: Liu 2025].
    public static func defaultFractions(count: Int) -> [Double] {
        count == 3 ? [0.3, 0.7, 1.0] : (1...count).map { Double($0) / Double(count) }
    }
}

/// A validated plan, ready for dot generation.
public struct Plan: Sendable {
    /// The plan file as the user named it, for messages.
    public var file: String
    public var seed: UInt64
    public var regions: [PlanRegion]
    public var hairline: HairlineSpec?
    public var session: SessionSpec
    /// Existing hairs to keep clear of, and the clearance (mm) from each.
    public var existingHairs: [Point]
    public var hairClearanceMM: Double
    /// Dots designed elsewhere: validated and ordered but not regenerated.
    public var explicitDots: [Point]?
    public var board: BoardDefinition
}
