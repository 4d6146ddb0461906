import Foundation
import SMPHardware
import Testing

@testable import SMPPlanning

@Suite("A plan's board file goes through SMPHardware's one reader")
struct PlanBoardTests {
    func plan(naming board: String) -> Data {
        Data(
            """
            {"format": "smpctl-plan/1", "board": "\(board)", "seed": 1,
             "regions": [{"name": "patch", "kind": "density", "polygon": [[10,10],[20,10],[20,20],[10,20]],
                          "density": 60, "profile": "fitzpatrick-1-3"}]}
            """.utf8)
    }

    @Test("a board file with an unknown key is refused, said as every command says it")
    func unknownKeyRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "plan-board-\(UUID())", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try #require(BoardDefinition.r1Text.contains(#""watchdog_ms": 100"#))
        let text = BoardDefinition.r1Text.replacingOccurrences(
            of: #""watchdog_ms": 100"#, with: #""watchdog_ms": 100, "turbo": true"#)
        let boardFile = directory.appendingPathComponent("board.json")
        try Data(text.utf8).write(to: boardFile)
        let direct = #expect(throws: HardwareDefinitionError.self) { try BoardDefinition.load(from: boardFile.path) }
        let viaPlan = #expect(throws: PlanError.self) {
            try PlanLoader.parse(plan(naming: "board.json"), file: "plan.json", directory: directory)
        }
        #expect(direct?.path == "turbo")
        #expect(viaPlan?.description == direct?.description)
    }

    @Test("without a board file the plan uses the compiled-in r1, the figures of Hardware/smp-driver-r1/board.json")
    func defaultIsR1() throws {
        let loaded = try PlanLoader.parse(
            Data(
                """
                {"format": "smpctl-plan/1", "seed": 1,
                 "regions": [{"name": "patch", "kind": "density", "polygon": [[10,10],[20,10],[20,20],[10,20]],
                              "density": 60, "profile": "fitzpatrick-1-3"}]}
                """.utf8), file: "plan.json", directory: nil)
        #expect(loaded.board == BoardDefinition.r1)
    }
}
