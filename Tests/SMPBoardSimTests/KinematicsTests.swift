import Foundation
import SMPBoardSim
import Testing

@Suite("Axes, motor and cam")
struct KinematicsTests {
    @Test(
        "a rest-to-rest move ends exactly at its target, in the closed-form minimum time",
        arguments: [0.05, 1.0, 30.0, -120.0])
    func restToRest(distance: Double) {
        var axis = AxisTrajectory(position: 50, maxSpeed: 100, maxAcceleration: 3000)
        let arrival = axis.move(to: 50 + distance, at: 1.0)
        let expected = AxisTrajectory.restToRestDuration(distance: distance, speed: 100, accel: 3000)
        #expect(abs(arrival - 1.0 - expected) < 1e-12)
        #expect(abs(axis.position(at: arrival) - (50 + distance)) < 1e-9)
        #expect(axis.state(at: arrival + 1).velocity == 0)
    }

    @Test("no move ever exceeds the speed or acceleration limit, even when replanned mid-flight")
    func limitsHold() {
        var axis = AxisTrajectory(position: 0, maxSpeed: 100, maxAcceleration: 3000)
        axis.move(to: 150, at: 0)
        // Reverse while at full speed: the axis must stop first, then come back.
        axis.move(to: 10, at: 0.5)
        var previous = axis.state(at: 0.5)
        var time = 0.5
        let step = 1e-4  // 10 kHz
        while time < axis.endTime + 0.01 {
            time += step
            let now = axis.state(at: time)
            #expect(abs(now.velocity) <= 100 + 1e-9)
            #expect(abs(now.velocity - previous.velocity) / step <= 3000 + 1e-6)
            previous = now
        }
        #expect(abs(axis.position(at: axis.endTime) - 10) < 1e-9)
    }

    @Test("a stop from full speed decelerates at the limit and stays put")
    func decelerateToStop() {
        var axis = AxisTrajectory(position: 0, maxSpeed: 100, maxAcceleration: 3000)
        axis.move(to: 200, at: 0)
        let start = axis.state(at: 0.5)
        #expect(start.velocity == 100)
        let stopped = axis.stop(at: 0.5)
        #expect(abs(stopped - 0.5 - 100.0 / 3000) < 1e-12)
        let rest = axis.position(at: stopped)
        #expect(abs(rest - (start.position + 100 * 100 / (2 * 3000.0))) < 1e-9)
        #expect(axis.position(at: stopped + 10) == rest)
    }

    @Test("the motor reaches a new rate with the modelled lag")
    func motorLag() {
        var motor = RotaryMotor(timeConstant: 0.045)
        motor.drive(120, at: 1.0)
        #expect(motor.rate(at: 1.0) == 0)
        #expect(abs(motor.rate(at: 1.045) - 120 * (1 - exp(-1.0))) < 1e-9)
        #expect(abs(motor.rate(at: 1.0 + 5 * 0.045) - 120 * (1 - exp(-5.0))) < 1e-9)
        motor.drive(100, at: 2.0)
        let before = motor.rate(at: 2.0)
        #expect(abs(motor.rate(at: 2.045) - (100 + (before - 100) * exp(-1.0))) < 1e-9)
    }

    @Test("cam phase is the integral of the motor rate and inverts exactly")
    func motorPhase() throws {
        var motor = RotaryMotor(timeConstant: 0.045)
        motor.drive(120, at: 0)
        // Trapezoid integration at 100 kHz against the closed form.
        var integral = 0.0
        var time = 0.0
        let step = 1e-5
        while time < 0.3 - step / 2 {
            integral += (motor.rate(at: time) + motor.rate(at: time + step)) / 2 * step
            time += step
        }
        #expect(abs(integral - motor.phase(at: 0.3)) < 1e-6)
        let when = try require(motor.time(ofPhase: 20.5, notBefore: 0))
        #expect(abs(motor.phase(at: when) - 20.5) < 1e-9)
        motor.stop(at: 0.3)
        let limit = motor.phase(at: 0.3) + motor.rate(at: 0.3) * 0.045
        #expect(motor.time(ofPhase: limit + 0.01, notBefore: 0.3) == nil)
    }

    @Test("a stalled motor stops at once and turns no further")
    func stall() {
        var motor = RotaryMotor(timeConstant: 0.045)
        motor.drive(120, at: 0)
        motor.stall(at: 1)
        #expect(motor.rate(at: 1.5) == 0)
        #expect(motor.phase(at: 1.5) == motor.phase(at: 1))
        motor.clearStall(at: 2)
        #expect(motor.rate(at: 2) == 0)
        #expect(motor.rate(at: 2.5) > 110)
    }

    @Test("the cam gives a near-sinusoidal stroke of the handpiece's stroke length")
    func camStroke() {
        let cam = NeedleCam(handpiece: .rotaryR1)
        #expect(cam.needleTravel(atPhase: 0) == 0)
        #expect(abs(cam.needleTravel(atPhase: 0.5) - 3.5) < 1e-12)
        var worst = 0.0
        for step in 0...1000 {
            let phase = Double(step) / 1000
            let sinusoid = 1.75 * (1 - cos(2 * Double.pi * phase))
            worst = max(worst, abs(cam.needleTravel(atPhase: phase) - sinusoid))
        }
        // Within ~λ·r/2 of a pure sinusoid: near-sinusoidal, not exactly.
        #expect(worst > 0.01 && worst < 0.2)
        #expect(abs(cam.tipProtrusion(atPhase: 0.5, hang: 1.2) - 0.9) < 1e-12)
    }
}
