import Foundation
import SMPBoardSim
import Testing

@Suite("Rig physics")
struct RigPhysicsTests {
    private func rig(seed: UInt64 = 1, surface: SimulatedPatient.Surface = .flat) throws -> RigPhysics {
        let board = try Fixtures.board()
        return RigPhysics(
            board: board, handpiece: .rotaryR1,
            patient: SimulatedPatient(skinType: .fitzpatrick1to3, seed: seed, surface: surface),
            home: (100, 100), retractedHang: -2, sensorNoiseN: 0.002, seed: seed)
    }

    @Test("a phase-locked dip gives the commanded number of full-depth strokes at the hang")
    func dipCountsStrokes() throws {
        var physics = try rig()
        physics.moveZ(to: -0.5, at: 0)
        physics.driveMotor(120, at: 0)
        _ = physics.advance(to: 0.5)
        let plan = try require(
            DipPlan.plan(
                earliest: 0.5, travel: -0.5, hang: 1.2, strokes: 4, motor: physics.motor, zMaxSpeed: 50,
                zMaxAcceleration: 5000))
        #expect(plan.countedBottoms.count == 4)
        _ = physics.advance(to: plan.descentStart)
        physics.moveZ(to: 1.2, at: plan.descentStart)
        var events = physics.advance(to: plan.ascentStart)
        physics.moveZ(to: -0.5, at: plan.ascentStart)
        events += physics.advance(to: plan.end + 0.01)
        let full = events.filter { abs($0.localHangMM - 1.2) < 1e-9 }
        #expect(full.count == 4)
        #expect(zip(full.map(\.timeS), plan.countedBottoms).allSatisfy { abs($0 - $1) < 1e-9 })
        #expect(full.allSatisfy { $0.outcome.punctured && abs($0.intrusionMM - 0.9) < 1e-9 })
        // The ramps touch the skin too, never deeper than the hang.
        #expect(events.count >= full.count)
        #expect(events.allSatisfy { $0.localHangMM <= 1.2 + 1e-9 })
        // Later strokes of the dot go into the hole the first puncture opened.
        #expect(full.dropFirst().allSatisfy { $0.reopening })
    }

    @Test("X/Y motion while the needle is in the skin shows as smear")
    func smear() throws {
        var physics = try rig()
        physics.moveZ(to: 1.2, at: 0)
        physics.driveMotor(120, at: 0)
        _ = physics.advance(to: 0.5)
        let still = physics.advance(to: 0.6)
        #expect(!still.isEmpty && still.allSatisfy { $0.smearMM == 0 })
        physics.moveXY(toX: 120, toY: 100, at: 0.6)
        let moving = physics.advance(to: 0.7)
        let worst = moving.map(\.smearMM).max() ?? 0
        // 100 mm/s during roughly a millisecond of contact.
        #expect(worst > 0.03 && worst < 0.5)
    }

    @Test("safe state retracts by the clearance, stops the motor and brings X/Y to rest within limits")
    func safeState() throws {
        var physics = try rig()
        physics.moveZ(to: 1.2, at: 0)
        physics.driveMotor(120, at: 0)
        physics.moveXY(toX: 190, toY: 100, at: 0.4)
        _ = physics.advance(to: 0.5)
        let done = physics.enterSafeState(at: 0.5, clearance: 2, topOfTravel: -8, skinHeight: 0)
        #expect(physics.z.endPosition == -2)
        #expect(physics.motor.target == 0)
        #expect(!physics.x.isMoving(at: done))
        #expect(done - 0.5 < 0.1)
        let after = physics.advance(to: done + 1)
        // Once Z is up, nothing touches the skin.
        #expect(after.filter(\.touchesSkin).allSatisfy { $0.timeS < done })
    }

    @Test("the same seed replays every stroke bit for bit")
    func replay() throws {
        func run() throws -> [StrokeEvent] {
            var physics = try rig(seed: 77, surface: .curved)
            physics.moveZ(to: 0.2, at: 0)
            physics.driveMotor(110, at: 0)
            physics.moveXY(toX: 60, toY: 150, at: 0.2)
            return physics.advance(to: 3)
        }
        let first = try run()
        #expect(!first.isEmpty)
        #expect(first == (try run()))
    }
}

@Suite("Rig physics: repeated safe states")
struct RepeatedSafeStateTests {
    @Test("a second fault does not walk Z further up")
    func repeatedSafeState() throws {
        var physics = RigPhysics(
            board: try Fixtures.board(), handpiece: .rotaryR1,
            patient: SimulatedPatient(skinType: .thin, seed: 1, surface: .flat), home: (50, 50), retractedHang: 1.0,
            sensorNoiseN: 0, seed: 1)
        physics.enterSafeState(at: 0, clearance: 2, topOfTravel: -8, skinHeight: 0)
        #expect(physics.z.endPosition == -2)
        physics.enterSafeState(at: 1, clearance: 2, topOfTravel: -8, skinHeight: 0)
        #expect(physics.z.endPosition == -2)
    }
}
