// swift-tools-version: 6.2
// The libFuzzer target for the frame decoder, session and message codecs. A separate package so that `swift build`
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
        )
    ]
)
