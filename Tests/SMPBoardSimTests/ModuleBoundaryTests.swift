import Foundation
import Testing

/// The simulator and the controller meet only through wire bytes: no control, motion or calibration module may
/// depend on SMPBoardSim, directly or through another target. Read from Package.swift, so that it holds for the
/// targets that exist now and for SMPMotion, SMPControl and SMPCalibration when they are added.
@Suite("Module boundaries")
struct ModuleBoundaryTests {
    static let guarded: Set<String> = ["SMPMotion", "SMPControl", "SMPCalibration"]

    /// Each target's name and the names in its `dependencies:` list (strings and `.target(name:)`/`.product(name:)`).
    static func dependencyLists(_ manifest: String) -> [String: [String]] {
        var lists: [String: [String]] = [:]
        let declaration = try! Regex(
            #"\.(?:target|testTarget|executableTarget)\(\s*name:\s*"([^"]+)"(.*?)swiftSettings"#
        )
        .dotMatchesNewlines()
        for match in manifest.matches(of: declaration) {
            guard let name = match.output[1].substring, let rest = match.output[2].substring else { continue }
            var names: [String] = []
            if let range = rest.range(of: "dependencies:") {
                let list = rest[range.upperBound...].prefix { $0 != "]" }
                names = list.matches(of: try! Regex(#""([^"]+)""#)).compactMap {
                    $0.output[1].substring.map(String.init)
                }
            }
            lists[String(name)] = names
        }
        return lists
    }

    /// Every target `name` reaches through its dependencies.
    static func closure(of name: String, in lists: [String: [String]]) -> Set<String> {
        var seen: Set<String> = []
        var stack = lists[name] ?? []
        while let next = stack.popLast() {
            guard seen.insert(next).inserted else { continue }
            stack += lists[next] ?? []
        }
        return seen
    }

    @Test("no controller-side target can import SMPBoardSim, directly or transitively")
    func controllerDoesNotSeeTheSimulator() throws {
        let manifestURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Package.swift")
        let lists = Self.dependencyLists(try String(contentsOf: manifestURL, encoding: .utf8))
        // The parser sees the manifest: the simulator and its known dependants are there.
        try #require(lists["SMPBoardSim"] != nil && lists["smpctl"]?.contains("SMPBoardSim") == true)
        for name in lists.keys
        where Self.guarded.contains(name) || name.hasPrefix("SMPControl")
            || name.hasPrefix("SMPMotion") || name.hasPrefix("SMPCalibration")
        {
            guard !name.hasSuffix("Tests") else { continue }
            #expect(!Self.closure(of: name, in: lists).contains("SMPBoardSim"), "\(name) reaches SMPBoardSim")
        }
    }

    @Test("the check itself finds a forbidden dependency")
    func checkFindsAViolation() {
        let manifest = """
            .target(name: "SMPBoardSim", dependencies: ["SMPWire"], swiftSettings: strict),
            .target(name: "SMPHelpers", dependencies: ["SMPBoardSim"], swiftSettings: strict),
            .target(name: "SMPControl", dependencies: ["SMPWire", .target(name: "SMPHelpers")], swiftSettings: strict),
            """
        let lists = Self.dependencyLists(manifest)
        #expect(Self.closure(of: "SMPControl", in: lists).contains("SMPBoardSim"))
    }
}
