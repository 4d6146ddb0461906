import SMPBoardSim
import SMPHardware
import Testing

@Suite("Scar outlines")
struct ScarOutlineTests {
    /// A 40 x 30 mm scar area with a 10 mm hole, as a plan's scar region with a hole would give it.
    let outline = ScarOutline(rings: [
        [SIMD2(60, 80), SIMD2(100, 80), SIMD2(100, 110), SIMD2(60, 110)],
        [SIMD2(75, 90), SIMD2(85, 90), SIMD2(85, 100), SIMD2(75, 100)],
    ])

    @Test("a scar patient's scar tissue lies inside the outlines it is given, not in their holes, nowhere else")
    func scarTissueFollowsTheOutline() {
        let patient = SimulatedPatient(skinType: .scar, seed: 3, surface: .flat, scars: [outline])
        let scar = patient.tissue(x: 65, y: 85)
        let hole = patient.tissue(x: 80, y: 95)
        let outside = patient.tissue(x: 120, y: 150)
        #expect(scar.isScar && !hole.isScar && !outside.isScar)
        // Scar tissue takes the scar band; around it, and in the hole, Fitzpatrick I-III skin's.
        let modifier = scar.region.depositModifierMM
        #expect(scar.depositTargetMM.lowerBound == SkinType.scar.profile.depositTargetMM.lowerBound + modifier)
        #expect(outside.depositTargetMM.lowerBound > scar.depositTargetMM.lowerBound)
        #expect(scar.singleNeedlePunctureN > 2 * hole.singleNeedlePunctureN)
        // Of 20,000 points over the head, scar tissue lies exactly where the outline says.
        var random = SeededGenerator(seed: 1, stream: "scar-outline-test")
        var scarPoints = 0
        for _ in 0..<20_000 {
            let x = random.nextUniform(0, 200)
            let y = random.nextUniform(0, 200)
            let isScar = patient.tissue(x: x, y: y).isScar
            #expect(isScar == outline.contains(x: x, y: y))
            if isScar { scarPoints += 1 }
        }
        #expect(scarPoints > 200)
    }

    @Test("outlines make no scars on other skin types, and without outlines a scar patient keeps its drawn scars")
    func outlinesOnlyForScarPatients() {
        let client = SimulatedPatient(skinType: .fitzpatrick1to3, seed: 3, surface: .flat, scars: [outline])
        #expect(!client.tissue(x: 65, y: 85).isScar)
        let unmarked = SimulatedPatient(skinType: .scar, seed: 3, surface: .flat)
        var random = SeededGenerator(seed: 2, stream: "scar-outline-test")
        let scarred = (0..<20_000).filter { _ in
            unmarked.tissue(x: random.nextUniform(0, 200), y: random.nextUniform(0, 200)).isScar
        }
        #expect(!scarred.isEmpty)
    }
}
