import Foundation
import Testing

@testable import SMPHardware

/// The repository's Hardware/ directory, found from this source file.
let repositoryHardware = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Hardware").standardizedFileURL.path

@Suite("The reference hardware: files and compiled-in copies")
struct ReferenceHardwareTests {
    @Test("compiled-in definitions equal the files byte for byte")
    func compiledInEqualsFiles() throws {
        let board = try String(contentsOfFile: repositoryHardware + "/smp-driver-r1/board.json", encoding: .utf8)
        let handpiece = try String(contentsOfFile: repositoryHardware + "/handpieces/rotary-r1.json", encoding: .utf8)
        #expect(board == BoardDefinition.r1Text)
        #expect(handpiece == HandpieceDefinition.rotaryR1Text)
        let cartridges = try String(contentsOfFile: repositoryHardware + "/cartridges.json", encoding: .utf8)
        #expect(cartridges == CartridgeCatalogue.referenceText)
        #expect(try CartridgeCatalogue.load(from: repositoryHardware + "/cartridges.json") == .reference)
        #expect(try BoardDefinition.load(from: repositoryHardware + "/smp-driver-r1/board.json") == .r1)
        #expect(try HandpieceDefinition.load(from: repositoryHardware + "/handpieces/rotary-r1.json") == .rotaryR1)
    }

    @Test("the r1 figures as the design states them")
    func r1Figures() {
        let board = BoardDefinition.r1
        #expect(board.model == "smp-driver-r1")
        #expect(board.clockHz == 1_000_000)
        #expect(board.queueCapacity == 128)
        #expect(board.axes.x.travelMM == 200 && board.axes.y.travelMM == 200 && board.axes.z.travelMM == 10)
        #expect(board.hangCeilingMM == 2 && board.retractClearanceMM == 2)
        #expect(board.motor.minHz == 50 && board.motor.maxHz == 150)
    }

    @Test("the handpiece's fitted cartridge agrees with the catalogue entry of the same name")
    func handpieceCartridgeInCatalogue() throws {
        let catalogue = try CartridgeCatalogue.load(from: repositoryHardware + "/cartridges.json")
        let handpiece = HandpieceDefinition.rotaryR1
        let cartridge = try #require(catalogue.cartridge(named: handpiece.needle.cartridgeName))
        #expect(cartridge.needleCount == handpiece.needle.count)
        #expect(cartridge.diameterMM == handpiece.needle.diameterMM)
        #expect(cartridge.membraneLoss.nominalMM == handpiece.membraneLossMM.value)
        #expect(catalogue.reference == cartridge.name)
    }
}
