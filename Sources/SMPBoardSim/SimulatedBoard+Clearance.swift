import Foundation

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
