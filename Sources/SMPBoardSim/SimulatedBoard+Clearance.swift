import Foundation
import SMPHardware

extension SimulatedBoard {
    // MARK: Needle clearance (truth)

    /// What the board is doing, as the truth's clearance records name it.
    var activityName: String {
        switch activity {
        case .idle: "idle"
        case .moving: "move"
        case .dot(let run): "dot.\(run.stage)"
        case .probe(let run): "touch_off.\(run.stage)"
        }
    }

    /// A command is about to change the motion: a clearance the last retraction had not reached yet is no longer
    /// that retraction's to claim.
    mutating func noteMotionChange() {
        guard let index = pendingClearance else { return }
        pendingClearance = nil
        if let clear = needleClearances[index].clearBoardTimeMicros, clear > now {
            needleClearances[index].clearBoardTimeMicros = nil
            needleClearances[index].supersededBoardTimeMicros = now
        }
    }

    /// Records a retraction the board has just commanded (a hold, the safe state): the needle's state now and the
    /// moment its tip leaves the skin for good under the new motion. `activity` and `dotID` are what the board was
    /// doing before it acted.
    mutating func recordClearance(cause: String, activity name: String, dotID: UInt32, hostLastHeard: UInt64?) {
        let time = Self.seconds(now)
        let clear = physics.needleClearTime(from: time).map { max(now, Self.micros($0)) }
        needleClearances.append(
            NeedleClearanceTruth(
                cause: cause, boardTimeMicros: now, hostLastHeardBoardTimeMicros: hostLastHeard, activity: name,
                dotID: dotID, tipDepthMM: physics.tipDepthPastSkin(at: time),
                strokeBottomDepthMM: physics.strokeBottomDepthPastSkin(at: time),
                zVelocityMMPerS: physics.z.state(at: time).velocity, clearBoardTimeMicros: clear,
                supersededBoardTimeMicros: nil))
        pendingClearance = needleClearances.count - 1
    }
}

extension NeedleClearanceTruth {
    /// The longest the board can take, by the Z axis's limits alone, from acting on a hold or a fault to the needle
    /// clear of the skin: Z caught going down at `zVelocity` (mm/s, positive deeper) first stops at the acceleration
    /// limit, then rises from rest through the stroke bottom's depth past the skin (`depth`, mm) plus the stopping
    /// distance. The stroke in progress cannot be stopped (Protocol.md §10.9) and needs no term of its own: the tip is
    /// never deeper than the stroke's bottom, so a Z that has lifted the bottom out of the skin has lifted the whole
    /// stroke out. In µs;
    /// zero when the stroke bottom stays out of the skin even after Z's stopping distance.
    public static func physicsBound(depth: Double, zVelocity: Double, board: BoardDefinition) -> Double {
        let speed = board.axes.z.maxSpeedMMPerS
        let acceleration = board.axes.z.maxAccelMMPerS2
        let descending = max(0, zVelocity)
        let rise = depth + descending * descending / (2 * acceleration)
        guard rise > 0 else { return 0 }
        let ramp = speed * speed / (2 * acceleration)
        let riseTime =
            rise <= ramp ? (2 * rise / acceleration).squareRoot() : speed / acceleration + (rise - ramp) / speed
        return (descending / acceleration + riseTime) * 1_000_000
    }

    /// True when the needle was in the skin when the board acted, or a stroke could still reach it while Z stops.
    public func couldReachSkin(board: BoardDefinition) -> Bool { tipDepthMM > 0 || physicsBound(board: board) > 0 }

    /// ``physicsBound(depth:zVelocity:board:)`` for this record's own depth and Z speed (µs).
    public func physicsBound(board: BoardDefinition) -> Double {
        Self.physicsBound(depth: strokeBottomDepthMM, zVelocity: zVelocityMMPerS, board: board)
    }

    /// The worst case of the bound over every state a dot can be caught in (µs): the deepest stroke bottom (the hang
    /// ceiling less the membrane loss, plus the map's worst error, taken as the board's minimum clearance, which is
    /// sized for it), reached by a Z caught at full speed at the start of its deceleration onto it, which stops
    /// exactly there and then rises through the whole depth.
    public static func worstPhysicsBound(board: BoardDefinition, handpiece: HandpieceDefinition) -> Double {
        let depth =
            board.hangCeilingMM - handpiece.membraneLossMM.value + Double(board.minClearanceUM) / 1000
        let stop = board.axes.z.maxSpeedMMPerS / board.axes.z.maxAccelMMPerS2
        return stop * 1_000_000 + physicsBound(depth: depth, zVelocity: 0, board: board)
    }
}
