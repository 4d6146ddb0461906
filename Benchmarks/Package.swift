// swift-tools-version: 6.2
// Benchmarks live in their own package so that `make test` never builds them. Run with `make bench`
// (or `swift package --disable-sandbox benchmark` here); figures go to ../Docs/Performance.md.
import PackageDescription

@MainActor
func benchmarkTarget(_ name: String, _ dependencies: [Target.Dependency]) -> Target {
    .executableTarget(
        name: name,
        dependencies: [.product(name: "Benchmark", package: "benchmark")] + dependencies,
        path: "Benchmarks/\(name)",
        swiftSettings: [.swiftLanguageMode(.v6)],
        plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
}

let package = Package(
    name: "smpctl-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "smpctl", path: ".."),
        // Only to silence the controller's log in the serial benchmarks; the version the main package resolves.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // Only the malloc interposer: the runtime interposer is not among this machine's packages.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        benchmarkTarget(
            "WireBenchmarks",
            [
                .product(name: "SMPWire", package: "smpctl"), .product(name: "SMPWireTesting", package: "smpctl"),
                .product(name: "SMPChecksum", package: "smpctl"),
                .product(name: "SMPHardware", package: "smpctl"), .product(name: "SMPControl", package: "smpctl"),
                .product(name: "SMPDryRun", package: "smpctl"), .product(name: "SMPPlanning", package: "smpctl"),
                .product(name: "SMPBoardSim", package: "smpctl"),
            ]
        ),
        benchmarkTarget(
            "PlanningBenchmarks",
            [.product(name: "SMPPlanning", package: "smpctl"), .product(name: "SMPPlanningTesting", package: "smpctl")]),
        benchmarkTarget(
            "MotionBenchmarks",
            [
                .product(name: "SMPMotion", package: "smpctl"), .product(name: "SMPPlanning", package: "smpctl"),
                .product(name: "SMPWire", package: "smpctl"),
            ]
        ),
        benchmarkTarget(
            "SimBenchmarks",
            [
                .product(name: "SMPBoardSim", package: "smpctl"), .product(name: "SMPWire", package: "smpctl"),
                .product(name: "SMPHardware", package: "smpctl"),
            ]
        ),
        benchmarkTarget("JournalBenchmarks", [.product(name: "SMPJournal", package: "smpctl")]),
        benchmarkTarget(
            "DryRunBenchmarks",
            [
                .product(name: "SMPDryRun", package: "smpctl"), .product(name: "SMPPlanning", package: "smpctl"),
                .product(name: "SMPBoardSim", package: "smpctl"), .product(name: "SMPControl", package: "smpctl"),
            ]
        ),
        benchmarkTarget(
            "LatencyBenchmarks",
            [.product(name: "SMPDryRun", package: "smpctl"), .product(name: "SMPBoardSim", package: "smpctl")]),
        benchmarkTarget(
            "SerialBenchmarks",
            [
                .product(name: "SMPSerial", package: "smpctl"), .product(name: "SMPSerialTesting", package: "smpctl"),
                .product(name: "SMPSystem", package: "smpctl"), .product(name: "SMPRun", package: "smpctl"),
                .product(name: "SMPControl", package: "smpctl"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
