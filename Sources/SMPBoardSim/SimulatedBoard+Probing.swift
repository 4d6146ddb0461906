import Foundation
import SMPWire

/// A queued touch-off, in the units the physics uses.
struct QueuedProbe: Sendable {
    var start: UInt64
    var x: Double
    var y: Double
    /// As commanded (um), for the node check.
    var xMicrometres: Int32
    var yMicrometres: Int32
    var approachZ: Double
    /// Grid node to store the result as, nil for none.
    var node: Int?
}

extension SimulatedBoard {
    // MARK: Touch-off (Docs/Protocol.md, "Touch-off")

    /// The start check (the node, against the grid declared by now), then the descent.
    mutating func startProbe(_ probe: QueuedProbe) {
        if let node = probe.node {
            let position = surfaceMap.grid.map { $0.position(ofNode: node) }
            guard let grid = surfaceMap.grid, node < Int(grid.nx) * Int(grid.ny), let position,
                position.x == Int64(probe.xMicrometres), position.y == Int64(probe.yMicrometres)
            else {
                releaseSlots(1)
                raise(.positionOutOfTravel, value: Int64(probe.xMicrometres), dotID: 0)
                return
            }
        }
        var run = ProbeRun(probe: probe, stage: .stopMotor)
        run.deadline = beginProbe()
        activity = .probe(run)
    }

    /// Motor drive off, Z up to the retract height (the top of travel); returns when both are done.
    mutating func beginProbe() -> UInt64 {
        let time = Self.seconds(now)
        commandedDrive = 0
        physics.driveMotor(0, at: time)
        let zDone = physics.moveZ(to: topOfTravel, at: time)
        let rate = physics.motor.rate(at: time)
        let coast = rate > Self.stoppedRateHz ? physics.motor.timeConstant * log(rate / Self.stoppedRateHz) : 0
        return Self.micros(max(zDone, time + coast))
    }

    mutating func stepProbe(_ run: inout ProbeRun) {
        let time = Self.seconds(now)
        switch run.stage {
        case .held:
            run.deadline = nil
        case .stopMotor:
            physics.parkCamAtBottom(at: time)
            run.stage = .park
            run.deadline = now + Self.micros(Self.camParkSeconds)
        case .park:
            run.stage = .travel
            run.deadline = Self.micros(physics.moveXYStraight(toX: run.probe.x, toY: run.probe.y, at: time))
        case .travel:
            measure(&run, at: time)
        case .approach:
            run.stage = .descend
            run.deadline = Self.micros(
                physics.moveZ(to: run.stopZ, at: time, speedLimit: setup.board.probe.speedMMPerS))
        case .descend:
            run.stage = .retract
            run.deadline = Self.micros(physics.moveZ(to: topOfTravel, at: time))
        case .retract:
            reportProbe(run)
            return
        }
        activity = .probe(run)
    }

    /// The descent, evaluated in closed form against the skin: with the motor stopped and the cam at bottom dead
    /// centre the tip is at axis Z (no running membrane loss), and the still skin tents as load = k * (Z + surface).
    /// Z goes down at the approach speed to `approach_um`, then at the probe speed; the board notes Z where the load
    /// passes the threshold (z1) and twice the threshold (z2) and stops there (within v^2 / 2a); the contact Z is the
    /// zero-load intercept 2 z1 - z2, free of the threshold's bias threshold / k.
    mutating func measure(_ run: inout ProbeRun, at time: Double) {
        let board = setup.board
        let probe = board.probe
        let x = physics.x.position(at: time)
        let y = physics.y.position(at: time)
        let tissue = physics.patient.tissue(x: x, y: y)
        // The still tip is at axis Z plus the fitted needle's length offset: it meets the skin at Z = -(surface + offset).
        let surface = tissue.surfaceHeightMM + physics.needleOffsetMM
        let k = tissue.tentStiffnessNPerMM
        let threshold = Double(probe.thresholdMN) / 1000
        let deepest = min(run.probe.approachZ + probe.maxTravelMM, board.hangRangeMM.upperBound)
        let z1 = -surface + threshold / k
        let z2 = -surface + 2 * threshold / k
        let contact = z2 <= deepest
        let crossing = contact ? z2 : deepest
        let speed = crossing < run.probe.approachZ ? probe.approachSpeedMMPerS : probe.speedMMPerS
        let stopAt = min(board.hangRangeMM.upperBound, crossing + speed * speed / (2 * board.axes.z.maxAccelMMPerS2))
        let peak = k * max(0, stopAt + surface)
        let puncture = physics.skin.punctureForce(tissue, reopening: false)
        let outcome: TouchOffOutcome =
            peak * 1000 > Double(probe.forceLimitMN) ? .forceLimit : contact ? .contact : .noContact
        let z1Micrometres = Int64((quantizedZ(micrometres: z1 * 1000) * 1000).rounded())
        let z2Micrometres = Int64((quantizedZ(micrometres: z2 * 1000) * 1000).rounded())
        let contactZ = outcome == .contact ? 2 * z1Micrometres - z2Micrometres : Int64((stopAt * 1000).rounded())
        run.result = TouchOffResult(
            xMicrometres: run.probe.xMicrometres, yMicrometres: run.probe.yMicrometres,
            contactZMicrometres: Int32(clamping: contactZ), peakLoadMillinewtons: Self.millinewtons(peak),
            outcome: outcome)
        run.truth = TouchOffTruth(
            boardTimeMicros: now, xMM: x, yMM: y, node: run.probe.node, outcome: outcome.name,
            trueSurfaceMM: tissue.surfaceHeightMM, reportedContactZMM: Double(contactZ) / 1000, peakLoadN: peak,
            punctureForceN: puncture, deepestIntrusionMM: stopAt + surface, punctured: peak >= puncture)
        run.stopZ = stopAt
        run.stage = .approach
        run.deadline = Self.micros(
            physics.moveZ(to: min(run.probe.approachZ, stopAt), at: time, speedLimit: probe.approachSpeedMMPerS))
    }

    /// The result goes out in order with the completions (they are flushed first); a contact is stored as its node;
    /// no contact and the force limit are faults.
    mutating func reportProbe(_ run: ProbeRun) {
        activity = .idle
        releaseSlots(1)
        guard let result = run.result, let truth = run.truth else { return }
        touchOffTruths.append(truth)
        flushCompletions()
        send(.touchOffResult(result))
        switch result.outcome {
        case .contact:
            if let node = run.probe.node {
                surfaceMap.store(height: -result.contactZMicrometres, node: node)
                announceSurfaceMode()
            }
            becomeReadyIfIdle()
        case .noContact:
            raise(.probeNoContact, value: Int64(result.contactZMicrometres), dotID: 0)
        case .forceLimit:
            raise(.probeForceLimit, value: Int64(result.peakLoadMillinewtons), dotID: 0)
        }
    }

    /// Keeps the hello's surface mode and cartridge current (a reconnecting host reads them there).
    mutating func announceSurfaceMode() {
        session.boardIdentity?.surfaceMode = surfaceMap.mode
        session.boardIdentity?.cartridge = cartridge
    }
}
