// swift-tools-version: 6.2
// The libFuzzer targets: the frame decoder, session and message codecs; the plan loader; the SVG importer. A separate package so that `swift build`
// of the main package never links an executable without a main. Run with `make fuzz` (Fuzz/run.sh).
import PackageDescription

let package = Package(
    name: "smpctl-fuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "smpctl", path: "..")],
    targets: [
        .executableTarget(
            name: "FrameDecoderFuzz",
            dependencies: [.product(name: "SMPWireTesting", package: "smpctl")],
            swiftSettings: [.swiftLanguageMode(.v6), .unsafeFlags(["-parse-as-library"])]
        ),
        .executableTarget(
            name: "PlanLoaderFuzz",
            dependencies: [.product(name: "SMPPlanningTesting", package: "smpctl")],
            swiftSettings: [.swiftLanguageMode(.v6), .unsafeFlags(["-parse-as-library"])]
        ),
        .executableTarget(
            name: "SVGImportFuzz",
            dependencies: [.product(name: "SMPPlanningTesting", package: "smpctl")],
            swiftSettings: [.swiftLanguageMode(.v6), .unsafeFlags(["-parse-as-library"])]
        ),
    ]
)
