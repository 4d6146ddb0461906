// swift-tools-version: 6.0
import PackageDescription

// A small command-line harness around DotGenerator for profiling (perf, valgrind) and for checking that a
// speed change leaves the dots alone. Not part of `make test`; timing claims come from Benchmarks/.
let package = Package(
    name: "generation-harness",
    platforms: [.macOS(.v13)],
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "generation-harness", dependencies: [.product(name: "SMPPlanning", package: "main")],
            swiftSettings: [.swiftLanguageMode(.v6)])
    ]
)
