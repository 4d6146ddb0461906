import DequeModule
import Logging
import SMPHardware
import SMPMotion
import SMPWire

extension SessionController {
    // MARK: Probing

    mutating func makeProbing(now: UInt64) -> Probing {
        if configuration.declareFlatSurface {
            return Probing(plan: nil, order: [])
        }
        if let grid = configuration.probeGrid {
            let plan = ProbeGridPlan(grid: grid)
            return Probing(plan: plan, order: plan.visitingOrder)
        }
        switch ProbeGridPlan.covering(
            resumption.probeArea ?? dots.map(\.motion), limits: hello!.limits,
            spacing: configuration.probeSpacingMicrometres)
        {
        case .success(let plan):
            return Probing(plan: plan, order: plan.visitingOrder)
        case .failure(let error):
            enterFault(.hostCheck(error), now: now)
            return Probing(plan: nil, order: [])
        }
    }

    /// The re-zero after a cartridge change: the kept grid, already declared on the board, and one stored node,
    /// the one nearest the first dot.
    func makeRezero(for kept: SurfaceMap) -> Probing {
        let plan = ProbeGridPlan(grid: kept.grid!)
        let first = dots.first.map { (x: $0.motion.xMM * 1000, y: $0.motion.yMM * 1000) } ?? (x: 0, y: 0)
        let stored = kept.heights.indices.filter { kept.heights[$0] != nil }
        let node = stored.min { a, b in
            let pa = plan.position(ofNode: a)
            let pb = plan.position(ofNode: b)
            let da =
                (Double(pa.x) - first.x) * (Double(pa.x) - first.x) + (Double(pa.y) - first.y)
                * (Double(pa.y) - first.y)
            let db =
                (Double(pb.x) - first.x) * (Double(pb.x) - first.x) + (Double(pb.y) - first.y)
                * (Double(pb.y) - first.y)
            return da < db
        }
        var probing = Probing(plan: plan, order: node.map { [$0] } ?? [])
        probing.gridSent = true
        probing.isRezero = true
        return probing
    }

    mutating func probe(_ probing: inout Probing, now: UInt64) {
        guard probing.heldAt == nil else { return }
        guard let plan = probing.plan else {
            // The flat declaration: one queued command, then the dots.
            if !probing.gridSent {
                guard session.canSend, session.availableCredit >= 1 else { return }
                surface.declare(.flat)
                sendQueued(.surfaceGrid(.flat), now: now)
                probing.gridSent = true
            }
            // The head has not moved since the clock warm-up's statuses said where it was.
            startStreaming(
                from: reportedPosition ?? (Double(board.axes.x.travelMM) / 2, Double(board.axes.y.travelMM) / 2),
                now: now)
            return
        }
        if !probing.gridSent {
            guard session.canSend, session.availableCredit >= 1 else { return }
            surface.declare(plan.grid)
            sendQueued(.surfaceGrid(plan.grid), now: now)
            probing.gridSent = true
            log(
                .info,
                "probing \(plan.grid.nx) x \(plan.grid.ny) nodes at \(plan.grid.spacingMicrometres / 1000) mm from "
                    + "(\(plan.grid.originXMicrometres / 1000), \(plan.grid.originYMicrometres / 1000)) mm", now: now)
        }
        guard probing.awaitingResult == nil else { return }
        guard probing.nextNode < probing.order.count else {
            let checks = configuration.checkPoints
            if probing.nextCheckPoint < checks.count {
                guard session.canSend, session.availableCredit >= 1 else { return }
                let point = checks[probing.nextCheckPoint]
                let nearest = surface.height(x: Double(point.xMicrometres), y: Double(point.yMicrometres))
                let approach = nearest.map { -$0 - configuration.approachAboveNeighbourMicrometres }
                sendQueued(
                    .touchOff(
                        TouchOff(
                            startTime: earliestStart(now: now, margin: 20_000), xMicrometres: point.xMicrometres,
                            yMicrometres: point.yMicrometres,
                            approachMicrometres: approach ?? configuration.firstApproachMicrometres, node: 0)),
                    now: now)
                probing.awaitingResult = -1
                probing.nextCheckPoint += 1
                return
            }
            let last = plan.position(ofNode: probing.order.last!)
            startStreaming(from: (Double(last.x) / 1000, Double(last.y) / 1000), now: now)
            return
        }
        guard session.canSend, session.availableCredit >= 1 else { return }
        let node = probing.order[probing.nextNode]
        let position = plan.position(ofNode: node)
        // A re-zero starts its slow descent further up: the stored heights are the old needle's.
        let topOfTravel = Int32(board.hangCeilingMM * 1000) - Int32(board.axes.z.travelMM * 1000)
        let approach =
            probing.isRezero
            ? max(
                topOfTravel, approachZ(forNode: node, plan: plan) - 3 * configuration.approachAboveNeighbourMicrometres)
            : approachZ(forNode: node, plan: plan)
        let start = earliestStart(now: now, margin: 20_000)
        sendQueued(
            .touchOff(
                TouchOff(
                    startTime: start, xMicrometres: position.x, yMicrometres: position.y,
                    approachMicrometres: approach, node: UInt32(node + 1))), now: now)
        probing.awaitingResult = node
        probing.nextNode += 1
    }

    /// Where the slow descent of a node starts (axis Z, µm): above the highest probed neighbour's contact, or the
    /// configured first approach.
    func approachZ(forNode node: Int, plan: ProbeGridPlan) -> Int32 {
        let nx = Int(plan.grid.nx)
        let ny = Int(plan.grid.ny)
        let ix = node % nx
        let iy = node / nx
        var highest: Int32?
        for dy in -1...1 {
            for dx in -1...1 where dx != 0 || dy != 0 {
                let jx = ix + dx
                let jy = iy + dy
                guard (0..<nx).contains(jx), (0..<ny).contains(jy), let height = surface.heights[jy * nx + jx]
                else { continue }
                highest = max(highest ?? .min, height)
            }
        }
        guard let highest else { return configuration.firstApproachMicrometres }
        let top = Int32(board.hangCeilingMM * 1000) - Int32(board.axes.z.travelMM * 1000)
        return max(top, -highest - configuration.approachAboveNeighbourMicrometres)
    }

    mutating func touchOffResult(_ result: TouchOffResult, now: UInt64) {
        touchOffs.append(result)
        guard case .armed(var probing) = state, let node = probing.awaitingResult else { return }
        probing.awaitingResult = nil
        switch result.outcome {
        case .contact:
            if node >= 0 { surface.store(height: -result.contactZMicrometres, node: node) }
            probing.nodesProbed += 1
            state = .armed(probing)
        case .noContact:
            enterFault(.probe("no skin under (\(result.xMicrometres), \(result.yMicrometres)) um"), now: now)
        case .forceLimit:
            enterFault(
                .probe(
                    "force limit at (\(result.xMicrometres), \(result.yMicrometres)) um, "
                        + "\(result.peakLoadMillinewtons) mN"), now: now)
        }
    }
}
