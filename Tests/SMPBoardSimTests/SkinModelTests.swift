import Foundation
import SMPBoardSim
import SMPHardware
import Testing

@Suite("Skin model")
struct SkinModelTests {
    let skin = SkinMechanics(handpiece: .rotaryR1)
    let cam = NeedleCam(handpiece: .rotaryR1)

    @Test("deposit depth grows monotonically with hang and stays below it", arguments: SkinType.allCases)
    func depositMonotoneAndBelowHang(type: SkinType) {
        let patient = SimulatedPatient(skinType: type, seed: 7, surface: .flat)
        for point in [(100.0, 190.0), (100.0, 100.0), (100.0, 20.0), (20.0, 150.0)] {
            let tissue = patient.tissue(x: point.0, y: point.1)
            var previous = -1.0
            var punctured = false
            for step in 0...200 {
                let hang = Double(step) * 0.01
                let outcome = skin.stroke(intrusion: cam.effectiveHang(hang), tissue: tissue, reopening: false)
                #expect(outcome.depositDepthMM < hang || (outcome.depositDepthMM == 0 && hang == 0))
                #expect(outcome.depositDepthMM >= previous)
                if punctured { #expect(outcome.depositDepthMM > previous) }
                punctured = outcome.punctured
                previous = outcome.depositDepthMM
            }
            #expect(punctured, "a 2 mm hang punctures \(type.rawValue) at \(point)")
        }
    }

    @Test("puncture shows as a load drop")
    func punctureLoadDrop() {
        let tissue = SimulatedPatient(skinType: .fitzpatrick1to3, seed: 1).tissue(x: 100, y: 100)
        let puncture = skin.punctureForce(tissue, reopening: false)
        var loads: [Double] = []
        for step in 0...200 {
            loads.append(skin.load(atIntrusion: Double(step) * 0.01, tissue: tissue, reopening: false))
        }
        let peakIndex = try? require(loads.indices.max { loads[$0] < loads[$1] })
        let peak = loads[peakIndex ?? 0]
        #expect(abs(peak - puncture) < 0.01 * puncture + tissue.tentStiffnessNPerMM * 0.01)
        // Rising while the skin tents, then a drop to the remaining tent's force.
        #expect(loads[1] > loads[0])
        let after = loads[(peakIndex ?? 0) + 1]
        #expect(after < 0.8 * peak)
        #expect(abs(after - tissue.residualTentFraction * puncture) < 1e-12)
        let deep = skin.stroke(intrusion: 1.5, tissue: tissue, reopening: false)
        #expect(deep.punctured && deep.peakLoadN > deep.settledLoadN)
    }

    @Test("a stroke into an open hole needs less force, tents less and buries deeper")
    func reopening() {
        let tissue = SimulatedPatient(skinType: .fitzpatrick1to3, seed: 3, surface: .flat).tissue(x: 100, y: 100)
        let fresh = skin.stroke(intrusion: 0.9, tissue: tissue, reopening: false)
        let again = skin.stroke(intrusion: 0.9, tissue: tissue, reopening: true)
        #expect(again.peakLoadN < fresh.peakLoadN)
        #expect(again.depositDepthMM > fresh.depositDepthMM)
        #expect(again.depositDepthMM < 0.9)
    }

    @Test("one millimetre of nominal insertion buries less than half (Lam 2008) in typical skin")
    func tentingBuriesLessThanHalf() {
        let tissue = SimulatedPatient(skinType: .fitzpatrick1to3, seed: 3, surface: .flat).tissue(x: 100, y: 100)
        let outcome = skin.stroke(intrusion: cam.effectiveHang(1.0), tissue: tissue, reopening: false)
        #expect(outcome.depositDepthMM < 0.5)
    }

    @Test("typical hangs and needles from DOMAIN.md land near each type's deposit target")
    func typicalHangsNearTarget() {
        // (typical hang, needle count, needle diameter) from the DOMAIN.md profile table.
        let typical: [SkinType: (hang: Double, count: Int, diameter: Double)] = [
            .fitzpatrick1to3: (1.2, 3, 0.25), .fitzpatrick4to6: (1.35, 3, 0.28), .thin: (0.95, 1, 0.20),
            .thickOily: (1.55, 3, 0.20), .scar: (1.15, 1, 0.20),
        ]
        for type in SkinType.allCases {
            guard let setup = typical[type] else { continue }
            var handpiece = HandpieceDefinition.rotaryR1
            handpiece.needle.count = setup.count
            handpiece.needle.diameterMM = setup.diameter
            let skin = SkinMechanics(handpiece: handpiece)
            // The median patient: no per-patient factors, so the check is on the type's parameters alone.
            let profile = type.profile
            let tissue = LocalTissue(
                region: .crown, surfaceHeightMM: 0, epidermisMM: profile.epidermisMM, dermisMM: profile.dermisMM,
                tentStiffnessNPerMM: profile.tentStiffnessNPerMM, singleNeedlePunctureN: profile.singleNeedlePunctureN,
                residualTentFraction: profile.residualTentFraction, depositTargetMM: profile.depositTargetMM,
                isScar: type == .scar)
            let outcome = skin.stroke(intrusion: cam.effectiveHang(setup.hang), tissue: tissue, reopening: false)
            #expect(
                profile.depositTargetMM.contains(outcome.depositDepthMM), "\(type.rawValue): \(outcome.depositDepthMM)")
        }
    }

    @Test("the same seed gives the same patient; another seed another")
    func seededPatients() {
        let a = SimulatedPatient(skinType: .thin, seed: 42).tissue(x: 80, y: 120)
        let b = SimulatedPatient(skinType: .thin, seed: 42).tissue(x: 80, y: 120)
        let c = SimulatedPatient(skinType: .thin, seed: 43).tissue(x: 80, y: 120)
        #expect(a == b)
        #expect(a != c)
    }

    @Test("skin is thicker at the back than at the front, and targets shift by region")
    func regionalVariation() {
        let patient = SimulatedPatient(skinType: .fitzpatrick1to3, seed: 5)
        // Head frame: the forehead hairline at y = 0, the nape at y = 200.
        let front = patient.tissue(x: 100, y: 5)
        let back = patient.tissue(x: 100, y: 195)
        #expect(front.region == .front && back.region == .occiput)
        #expect(back.dermisMM > front.dermisMM * 1.1)
        #expect(abs(back.depositTargetMM.lowerBound - front.depositTargetMM.lowerBound - 0.2) < 1e-12)
        #expect(ScalpRegion.at(x: 10, y: 70) == .temples)
        #expect(ScalpRegion.at(x: 100, y: 100) == .crown)
    }

    @Test("the scalp is curved, and the flat option is flat")
    func surface() {
        let curved = SimulatedPatient(skinType: .fitzpatrick1to3, seed: 9)
        #expect(curved.surfaceHeight(x: 100, y: 110) > 0.8)
        #expect(curved.surfaceHeight(x: 0, y: 200) < curved.surfaceHeight(x: 100, y: 110) - 1)
        #expect(SimulatedPatient(skinType: .fitzpatrick1to3, seed: 9, surface: .flat).surfaceHeight(x: 3, y: 4) == 0)
    }

    @Test("unknown and refused skin types are usage errors naming the flag")
    func skinTypeParsing() throws {
        #expect(try SkinType(parsing: "thick-oily") == .thickOily)
        let keloid = #expect(throws: SimulatorInputError.self) { try SkinType(parsing: "keloid") }
        #expect(keloid?.description.hasPrefix("--skin: keloid: refused") == true)
        let unknown = #expect(throws: SimulatorInputError.self) { try SkinType(parsing: "oily") }
        #expect(unknown?.exitCode == 64)
        #expect(unknown?.description.contains("fitzpatrick-1-3") == true)
    }
}
