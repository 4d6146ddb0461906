import Foundation
import Testing

@testable import SMPHardware

@Suite("One Hardware/ lookup for every command")
struct HardwareDirectoryTests {
    /// A scratch tree: `hardware` holds one board definition, `empty` nothing, `prefix/bin/smpctl` stands for an
    /// installed executable and `prefix/share/smpctl/Hardware` for its installed definitions.
    struct Tree {
        let root: URL
        var hardware: String { root.appendingPathComponent("hardware").path }
        var empty: String { root.appendingPathComponent("empty").path }
        var executable: String { root.appendingPathComponent("prefix/bin/smpctl").path }
        var installed: String { root.appendingPathComponent("prefix/share/smpctl/Hardware").path }
        var checkout: URL { root.appendingPathComponent("checkout") }

        init() throws {
            root =
                FileManager.default.temporaryDirectory.appendingPathComponent("hardware-lookup-\(UUID())")
                .standardizedFileURL
            let manager = FileManager.default
            for directory in ["hardware/smp-driver-r1", "empty", "prefix/bin", "checkout/Hardware/smp-driver-r1"] {
                try manager.createDirectory(
                    at: root.appendingPathComponent(directory), withIntermediateDirectories: true)
            }
            try Data(BoardDefinition.r1Text.utf8).write(
                to: root.appendingPathComponent("hardware/smp-driver-r1/board.json"))
            try Data(BoardDefinition.r1Text.utf8).write(
                to: root.appendingPathComponent("checkout/Hardware/smp-driver-r1/board.json"))
            try Data().write(to: root.appendingPathComponent("prefix/bin/smpctl"))
            try manager.createDirectory(
                at: root.appendingPathComponent("checkout/Sources/smpctl"), withIntermediateDirectories: true)
        }

        func install() throws {
            try FileManager.default.createDirectory(
                atPath: installed + "/smp-driver-r1", withIntermediateDirectories: true)
            try Data(BoardDefinition.r1Text.utf8).write(
                to: URL(fileURLWithPath: installed + "/smp-driver-r1/board.json"))
        }

        func remove() { try? FileManager.default.removeItem(at: root) }
    }

    @Test("the option wins over the environment, which wins over the installed copy, which wins over the checkout")
    func precedence() throws {
        let tree = try Tree()
        defer { tree.remove() }
        try tree.install()
        let environment = [HardwareDirectory.environmentVariable: tree.hardware]
        let checkout = tree.checkout.appendingPathComponent("Sources/smpctl").path
        func locate(_ option: String?, _ environment: [String: String]) throws -> HardwareDirectory.Location {
            try HardwareDirectory.locate(
                option: option, environment: environment, executablePath: tree.executable, workingDirectory: checkout)
        }
        #expect(try locate(tree.hardware, [:]) == .init(path: tree.hardware, source: .option))
        #expect(try locate(nil, environment) == .init(path: tree.hardware, source: .environment))
        #expect(try locate(nil, [:]) == .init(path: tree.installed, source: .installed))
        try FileManager.default.removeItem(atPath: tree.installed)
        #expect(
            try locate(nil, [:])
                == .init(path: tree.checkout.appendingPathComponent("Hardware").path, source: .workingDirectory))
    }

    @Test("an explicit directory without board definitions is an error, never skipped", arguments: [true, false])
    func explicitWrongDirectory(fromOption: Bool) throws {
        let tree = try Tree()
        defer { tree.remove() }
        for wrong in [tree.empty, tree.root.appendingPathComponent("absent").path, tree.executable] {
            let error = #expect(throws: HardwareDefinitionError.self) {
                try HardwareDirectory.locate(
                    option: fromOption ? wrong : nil,
                    environment: fromOption ? [:] : [HardwareDirectory.environmentVariable: wrong],
                    executablePath: tree.executable, workingDirectory: tree.checkout.path)
            }
            #expect(error?.kind == .missing)
            #expect(error?.exitCode == 66)
            #expect(error?.file == wrong)
            #expect(error?.description.contains(fromOption ? "--hardware" : "SMPCTL_HARDWARE") == true)
        }
    }

    @Test("when nothing is found, the error names every place looked at, on one line")
    func nothingFound() throws {
        let tree = try Tree()
        defer { tree.remove() }
        let error = #expect(throws: HardwareDefinitionError.self) {
            try HardwareDirectory.locate(
                option: nil, environment: [:], executablePath: tree.executable, workingDirectory: tree.empty)
        }
        #expect(error?.kind == .notFound)
        #expect(error?.exitCode == 69)
        let description = try #require(error?.description)
        #expect(description.contains(tree.installed))
        #expect(description.contains(tree.empty + "/Hardware"))
        #expect(description.contains(tree.root.path + "/Hardware"))
        #expect(description.contains("/Hardware, ") || description.hasSuffix("--hardware DIR or set SMPCTL_HARDWARE"))
        #expect(!description.contains("\n"))
    }

    @Test("every board definition of a directory loads, and a model must match its directory")
    func loadAll() throws {
        let tree = try Tree()
        defer { tree.remove() }
        let location = HardwareDirectory.Location(path: tree.hardware, source: .option)
        #expect(try BoardDefinition.loadAll(in: location) == [.r1])
        try FileManager.default.moveItem(atPath: tree.hardware + "/smp-driver-r1", toPath: tree.hardware + "/r2")
        let error = #expect(throws: HardwareDefinitionError.self) { try BoardDefinition.loadAll(in: location) }
        #expect(error?.path == "model")
        #expect(error?.file == tree.hardware + "/r2/board.json")
    }
}
