import Foundation
import Glibc

@testable import SMPJournal

/// A fresh directory under the system's temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        let base = FileManager.default.temporaryDirectory.path + "/smpjournal-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        path = base
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

func fileBytes(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

func writeBytes(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

let testBoard = BoardIdentity(model: "smp-driver-r1", serialNumber: "SIM-0001", protocolVersion: 2)
let testPlan = PlanHash.of(dotsFileContent: Array(#"{"format":"smpctl-dots/1","dots":[]}"#.utf8))
let otherPlan = PlanHash.of(dotsFileContent: Array(#"{"format":"smpctl-dots/1","dots":[{"id":1}]}"#.utf8))

/// A deterministic clock for journals whose bytes are compared.
let fixedClock: @Sendable () -> UInt64 = { 1_764_000_000_000 }

/// The state of a journal's first `count` records, folded independently of the reader.
func foldedState(_ records: [JournalRecord], count: Int) throws -> JournalState? {
    guard count > 0, case .header(let header) = records[0].entry else { return nil }
    var state = JournalState(header: header)
    for record in records[1..<count] { try state.apply(record.entry) }
    return state
}

/// Writes the journal of a realistic session: trains of intents each followed by its completion batch, a
/// disconnect with dots in flight, a reconnect that names the last completed dot and re-sends reports, an
/// interrupted dot finished with its remaining strokes, discarded dots sent again, an operator redo and skip, and
/// the end. About 300 records.
func writeRealisticJournal(at path: String) throws -> Journal {
    let journal = try Journal.create(
        at: path, plan: testPlan, board: testBoard, hostSoftware: "smpctl test", clock: fixedClock)
    try journal.appendSessionEvent(.connected(sessionID: 0x1234_5678, lastCompletedDot: 0, pendingCompletions: 0))
    var wire: UInt32 = 0
    var planDot: UInt32 = 100
    func train(_ count: Int) throws -> [DotIntent] {
        let intents = (0..<count).map { _ -> DotIntent in
            wire += 1
            planDot += 1
            return DotIntent(wireDot: wire, planDot: planDot, strokes: 4)
        }
        try journal.appendIntents(intents)
        return intents
    }
    for _ in 0..<12 {
        let intents = try train(8)
        try journal.appendOutcomes(
            intents.map { DotReport(wireDot: $0.wireDot, outcome: .completed, deliveredStrokes: 4) })
    }
    // A train in flight when the cable is pulled: two completed, one interrupted after 1 stroke, the rest
    // discarded by the board's safe state and re-sent at the reconnect, one never reported at all.
    let inFlight = try train(8)
    try journal.appendOutcomes([
        DotReport(wireDot: inFlight[0].wireDot, outcome: .completed, deliveredStrokes: 4)
    ])
    try journal.appendSessionEvent(.disconnected)
    try journal.appendSessionEvent(
        .connected(sessionID: 0x2222_0000, lastCompletedDot: inFlight[1].wireDot, pendingCompletions: 5))
    try journal.appendOutcomes(
        [DotReport(wireDot: inFlight[2].wireDot, outcome: .interrupted, deliveredStrokes: 1)]
            + inFlight[3..<7].map { DotReport(wireDot: $0.wireDot, outcome: .discarded, deliveredStrokes: 0) })
    // inFlight[7] stays uncertain: the operator redoes it.
    try journal.appendDecision(.redo(planDot: inFlight[7].planDot))
    var resend: [DotIntent] = []
    wire += 1
    resend.append(DotIntent(wireDot: wire, planDot: inFlight[2].planDot, strokes: 3))
    for dot in inFlight[3..<8] {
        wire += 1
        resend.append(DotIntent(wireDot: wire, planDot: dot.planDot, strokes: 4))
    }
    try journal.appendIntents(resend)
    try journal.appendOutcomes(
        [DotReport(wireDot: resend[0].wireDot, outcome: .completed, deliveredStrokes: 3)]
            + resend[1...].map { DotReport(wireDot: $0.wireDot, outcome: .completed, deliveredStrokes: 4) })
    for _ in 0..<6 {
        let intents = try train(8)
        try journal.appendOutcomes(
            intents.map { DotReport(wireDot: $0.wireDot, outcome: .completed, deliveredStrokes: 4) })
    }
    try journal.appendDecision(.skip(planDot: 999, reason: "the client asked to stop at the crown"))
    try journal.appendEnd(.finished, detail: "every dot dealt with")
    return journal
}
