// swift-tools-version: 6.2
// smpctl: controller for a robotic scalp-micropigmentation rig. Module layout and the rules for who may import
// whom are in Docs/Architecture.md; the simulator and the controller meet only through SMPWire bytes.
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .treatAllWarnings(as: .error),
]

let deque = Target.Dependency.product(name: "DequeModule", package: "swift-collections")

let package = Package(
    name: "smpctl",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "smpctl", targets: ["smpctl"]),
        .library(name: "SMPHardware", targets: ["SMPHardware"]),
        .library(name: "SMPWire", targets: ["SMPWire"]),
        .library(name: "SMPWireTesting", targets: ["SMPWireTesting"]),
        .library(name: "SMPPlanning", targets: ["SMPPlanning"]),
        .library(name: "SMPPlanningTesting", targets: ["SMPPlanningTesting"]),
        .library(name: "SMPSerial", targets: ["SMPSerial"]),
        .library(name: "SMPSerialTesting", targets: ["SMPSerialTesting"]),
        .library(name: "SMPBoardSim", targets: ["SMPBoardSim"]),
        // For the benchmarks package: the pseudo-terminal its serial benchmarks play the board on.
        .library(name: "SMPSystem", targets: ["SMPSystem"]),
        .library(name: "SMPChecksum", targets: ["SMPChecksum"]),
        .library(name: "SMPJournal", targets: ["SMPJournal"]),
        .library(name: "SMPMotion", targets: ["SMPMotion"]),
        .library(name: "SMPControl", targets: ["SMPControl"]),
        .library(name: "SMPDryRun", targets: ["SMPDryRun"]),
        .library(name: "SMPCalibration", targets: ["SMPCalibration"]),
        .library(name: "SMPReport", targets: ["SMPReport"]),
        .library(name: "SMPRun", targets: ["SMPRun"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // Hardware facts: board, handpiece and cartridge definitions with their one reader and error, the head
        // frame, the seeded generator and portable math, and the one Hardware/ lookup. Imports nothing of ours.
        .target(name: "SMPHardware", swiftSettings: strict),
        // Wire protocol v2: framing, CRC-32C, messages, reliable session. Imports nothing of ours (only
        // swift-collections' Deque for its queues).
        .target(name: "SMPWire", dependencies: ["SMPChecksum", deque], swiftSettings: strict),
        // Test tooling for the wire (as NIOTestUtils is for NIO): a lossy virtual link, a session pair in virtual
        // time, a decoder fed every chunking. Used by tests and benchmarks, never by the product.
        .target(
            name: "SMPWireTesting", dependencies: ["SMPWire", "SMPChecksum", "SMPHardware", "SMPBoardSim"],
            swiftSettings: strict),
        // Plan model, validation, SVG import, dot generation and visiting order.
        .target(name: "SMPPlanning", dependencies: ["SMPHardware"], swiftSettings: strict),
        // The fuzz harness for the plan loader and SVG importer, shared by the libFuzzer targets and the test that
        // replays their corpus. Never used by the product.
        .target(name: "SMPPlanningTesting", dependencies: ["SMPPlanning", "SMPHardware"], swiftSettings: strict),
        // libserialport, as Debian's libserialport-dev ships it.
        .systemLibrary(
            name: "CLibSerialPort",
            pkgConfig: "libserialport",
            providers: [.apt(["libserialport-dev"])]
        ),
        // The one wrapper for system calls on file descriptors (EINTR, injectable faults), the pseudo-terminal and
        // the atomic file writer. Imports nothing of ours.
        .target(name: "SMPSystem", swiftSettings: strict),
        // CRC-32C, the one checksum of wire frames and journal records.
        .target(name: "SMPChecksum", swiftSettings: strict),
        // The run journal: append-only, checksummed, durable before a dot's bytes leave. Imports only SMPSystem.
        .target(name: "SMPJournal", dependencies: ["SMPSystem", "SMPChecksum"], swiftSettings: strict),
        .target(
            name: "SMPSerial", dependencies: ["CLibSerialPort", "SMPHardware", "SMPSystem"], swiftSettings: strict),
        // Test tooling for the serial transport: a board answering status queries on a pseudo-terminal. Used by tests
        // and benchmarks, never by the product.
        .target(
            name: "SMPSerialTesting",
            dependencies: ["SMPSerial", "SMPWire", "SMPHardware", "SMPBoardSim", "SMPSystem"],
            swiftSettings: strict),
        // The reference board: firmware model, physics, skin. Speaks only SMPWire.
        .target(
            name: "SMPBoardSim", dependencies: ["SMPWire", "SMPHardware", "SMPSystem", deque], swiftSettings: strict),
        // The exact per-dot actuation schedule the board will execute, and the session-time estimate. Never imports
        // SMPBoardSim: it models the board from its definition, as a host must.
        .target(name: "SMPMotion", dependencies: ["SMPPlanning", "SMPHardware"], swiftSettings: strict),
        // The host's real-time control core, sans-I/O: session states, clock synchronisation, probing, look-ahead
        // streaming, host checks, dot accounting; and the one driver that runs it over a byte transport. Never
        // imports SMPBoardSim.
        .target(
            name: "SMPControl",
            dependencies: [
                "SMPWire", "SMPMotion", "SMPPlanning", "SMPHardware", "SMPJournal", deque,
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // Depth calibration: the height mesh and the puncture ladder over wire bytes, the client profile file. Never
        // imports SMPBoardSim: it uses only what a real board reports.
        .target(
            name: "SMPCalibration",
            dependencies: [
                "SMPControl", "SMPMotion", "SMPHardware", "SMPPlanning", "SMPWire",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),
        // The dry run: the controller against the simulated board in virtual time over wire bytes, graded
        // afterwards against the simulator's truth. Used by `smpctl dry-run`, its tests and the benchmarks.
        // The session report: one self-contained HTML file from plain values (SessionRecord, ReportSummary). Never
        // imports the simulator or the controller; whoever graded the session fills its input.
        .target(name: "SMPReport", dependencies: ["SMPPlanning", "SMPHardware"], swiftSettings: strict),
        .target(
            name: "SMPDryRun",
            dependencies: [
                "SMPControl", "SMPBoardSim", "SMPMotion", "SMPPlanning", "SMPWire", "SMPHardware", "SMPReport",
                "SMPRun",
            ],
            swiftSettings: strict),
        // The controller over a real port in wall time: the serial ControllerTransport (host monotonic clock, waits
        // in poll, reports a vanished port at once), and a run's report record from what the host knows. Never
        // imports SMPBoardSim.
        .target(
            name: "SMPRun",
            dependencies: ["SMPControl", "SMPSerial", "SMPSystem", "SMPReport", "SMPWire", "SMPMotion"],
            swiftSettings: strict),
        .executableTarget(
            name: "smpctl",
            dependencies: [
                "SMPWire", "SMPHardware", "SMPPlanning", "SMPMotion", "SMPSerial", "SMPBoardSim", "SMPControl",
                "SMPDryRun", "SMPSystem", "SMPCalibration", "SMPReport", "SMPRun", "SMPJournal",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),

        .testTarget(
            name: "SMPWireTests",
            dependencies: ["SMPWire", "SMPChecksum", "SMPWireTesting", "SMPHardware", "SMPBoardSim"],
            resources: [.copy("Corpus")],
            swiftSettings: strict),
        .testTarget(name: "SMPHardwareTests", dependencies: ["SMPHardware"], swiftSettings: strict),
        .testTarget(name: "SMPSystemTests", dependencies: ["SMPSystem"], swiftSettings: strict),
        .testTarget(
            name: "SMPJournalTests", dependencies: ["SMPJournal", "SMPSystem", "SMPChecksum"], swiftSettings: strict),
        .testTarget(
            name: "SMPPlanningTests", dependencies: ["SMPPlanning", "SMPPlanningTesting", "SMPHardware"],
            resources: [.copy("Corpus")], swiftSettings: strict),
        // Test-only: answers libserialport's sysfs look-ups and modem ioctls for registered PTYs. Never a dependency
        // of a product.
        .target(name: "CSerialTestInterposer", path: "Tests/CSerialTestInterposer"),
        .testTarget(
            name: "SMPSerialTests",
            dependencies: ["SMPSerial", "SMPSerialTesting", "SMPHardware", "SMPSystem", "CSerialTestInterposer"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "SMPBoardSimTests",
            dependencies: ["SMPBoardSim", "SMPHardware", "SMPWire", "SMPWireTesting", "SMPSystem"],
            swiftSettings: strict),
        // The schedule against closed forms and limits, and run on the simulated board (only a test may link both).
        .testTarget(
            name: "SMPMotionTests",
            dependencies: ["SMPMotion", "SMPPlanning", "SMPHardware", "SMPBoardSim", "SMPWire"],
            swiftSettings: strict),
        // ClockSync against closed-form crystals and against the simulated board's (only a test may link both).
        .testTarget(
            name: "SMPControlTests",
            dependencies: ["SMPControl", "SMPBoardSim", "SMPHardware", "SMPWire", "SMPMotion"],
            swiftSettings: strict),
        .testTarget(
            name: "SMPDryRunTests",
            dependencies: [
                "SMPDryRun", "SMPControl", "SMPBoardSim", "SMPPlanning", "SMPWire", "SMPHardware", "SMPReport",
                "SMPRun",
                "SMPWireTesting",
            ],
            swiftSettings: strict),
        // Calibration against the simulated board (only a test may link both), its accuracy and its bad input.
        .testTarget(
            name: "SMPCalibrationTests",
            dependencies: [
                "SMPCalibration", "SMPDryRun", "SMPControl", "SMPBoardSim", "SMPPlanning", "SMPHardware", "SMPWire",
            ],
            swiftSettings: strict),
        // The wall-time transport against a PTY board: the simulator served by PTYBoardRunner (only a test may link
        // both), a vanishing port, a write to a closed port.
        .testTarget(
            name: "SMPRunTests",
            dependencies: [
                "SMPRun", "SMPControl", "SMPSerial", "SMPSystem", "SMPBoardSim", "SMPMotion", "SMPHardware",
                "SMPWire",
            ],
            swiftSettings: strict),
        // zlib, to decode the report's browser screenshots in the end-to-end tests. Test-only.
        .systemLibrary(
            name: "CZlib", path: "Tests/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .testTarget(name: "SMPReportTests", dependencies: ["SMPReport", "SMPPlanning"], swiftSettings: strict),
        // Runs the built `smpctl` as a user would; depends on it so that `swift test` builds it first.
        .testTarget(
            name: "SMPCtlEndToEndTests",
            dependencies: [
                "smpctl", "SMPHardware", "SMPBoardSim", "SMPSerial", "SMPSerialTesting", "SMPWire", "SMPSystem",
                "SMPRun", "SMPControl", "SMPMotion", "SMPJournal", "SMPPlanning", "CZlib",
            ],
            swiftSettings: strict),
    ]
)
