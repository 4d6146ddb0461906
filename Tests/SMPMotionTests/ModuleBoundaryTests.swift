import Foundation
import Testing

/// The host's modules model the board from its definition and speak to it in wire bytes, and the report reads plain
/// values: none of them may link the simulator. Checked in Package.swift's target dependencies and in every source
/// file's imports.
@Suite struct ModuleBoundaryTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let hostModules = ["SMPMotion", "SMPControl", "SMPCalibration", "SMPReport", "SMPRun"]

    /// The dependency list of the target declaration `.target(name: "target", dependencies: [...]` in Package.swift's
    /// text; "" for a target without dependencies, nil when there is no such target.
    static func dependencies(of target: String, in manifest: String) -> String? {
        let pattern = #"\.target\(\s*name:\s*""# + target + #""\s*(,\s*dependencies:\s*\[([^\]]*)\])?"#
        guard let expression = try? NSRegularExpression(pattern: pattern),
            let match = expression.firstMatch(in: manifest, range: NSRange(manifest.startIndex..., in: manifest))
        else { return nil }
        guard let list = Range(match.range(at: 2), in: manifest) else { return "" }
        return String(manifest[list])
    }

    @Test func hostModulesDoNotDependOnTheSimulator() throws {
        let manifest = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let present = Self.hostModules.filter { Self.dependencies(of: $0, in: manifest) != nil }
        try #require(present.contains("SMPMotion") && present.contains("SMPControl"))
        for module in present {
            let dependencies = try #require(Self.dependencies(of: module, in: manifest), "\(module) not found")
            #expect(!dependencies.contains("SMPBoardSim"), "\(module) depends on SMPBoardSim: \(dependencies)")
            #expect(!dependencies.contains("Testing\""), "\(module) depends on a test-tooling module")
        }
        #expect(Self.dependencies(of: "SMPMotion", in: manifest)?.contains("SMPPlanning") == true)
    }

    @Test func hostSourcesDoNotImportTheSimulator() throws {
        var files = 0
        for module in Self.hostModules {
            let directory = Self.root.appendingPathComponent("Sources/\(module)")
            guard
                let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)
            else { continue }
            for case let url as URL in enumerator where url.pathExtension == "swift" {
                let text = try String(contentsOf: url, encoding: .utf8)
                files += 1
                for line in text.split(separator: "\n") where line.hasPrefix("import ") || line.contains(" import ") {
                    #expect(!line.contains("SMPBoardSim"), "\(url.lastPathComponent): \(line)")
                    #expect(!line.contains("SMPWireTesting"), "\(url.lastPathComponent): \(line)")
                }
            }
        }
        try #require(files >= 6)
    }
}
