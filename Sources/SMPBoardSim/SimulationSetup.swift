import SMPHardware

/// Everything that fixes a simulated run: board, handpiece, patient, seed and faults.
public struct SimulationSetup: Sendable {
    public var board: BoardDefinition
    public var handpiece: HandpieceDefinition
    public var skinType: SkinType
    public var surface: SimulatedPatient.Surface
    /// A scar patient's scar areas (``SimulatedPatient/init(skinType:seed:surface:scars:)``).
    public var scars: [ScarOutline] = []
    /// Fixes the patient, sensor noise and every injected fault.
    public var seed: UInt64
    public var faults: FaultPlan
    /// The spec text the faults came from, recorded in the truth file.
    public var faultSpec: String
    public var firmwareVersion: String
    /// The board's serial number: a fixed string of the simulated unit, independent of the seed (the seed fixes the
    /// patient, which a host must not learn).
    public var serialNumber: String
    /// The cartridge fitted at power-up (catalogue name): the handpiece definition's needle, whose membrane loss and
    /// needle group the physics starts with.
    public var cartridge: String
    /// Cartridges the board accepts in `cartridge_fitted` (nil: only the set-up's; by default the reference
    /// catalogue, as the firmware of smp-driver-r1 carries it). Each fitted one brings its needle group, its nominal
    /// membrane loss and its needle-length offset into the physics.
    public var catalogue: CartridgeCatalogue?
    /// Where X/Y rest at power-up (mm).
    public var homeXMM: Double
    public var homeYMM: Double

    /// The board's crystal, seeded from `seed` on its own stream, within the plan's `ppm` bound and from its `epoch`.
    public var clock: BoardClock {
        BoardClock(errorBoundPPM: faults.crystalErrorBoundPPM, epoch: faults.boardEpoch, seed: seed)
    }

    public init(
        board: BoardDefinition, handpiece: HandpieceDefinition = .rotaryR1, skinType: SkinType,
        surface: SimulatedPatient.Surface = .curved, seed: UInt64, faults: FaultPlan = FaultPlan(),
        faultSpec: String = "", homeXMM: Double = 0, homeYMM: Double = 0
    ) {
        self.board = board
        self.handpiece = handpiece
        self.skinType = skinType
        self.surface = surface
        self.seed = seed
        self.faults = faults
        self.faultSpec = faultSpec
        firmwareVersion = "smpboardsim-1"
        serialNumber = "SIM-0001"
        cartridge = handpiece.needle.cartridgeName
        catalogue = .reference
        self.homeXMM = homeXMM
        self.homeYMM = homeYMM
    }
}
