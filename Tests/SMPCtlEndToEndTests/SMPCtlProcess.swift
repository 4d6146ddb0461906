import Foundation

/// The built `smpctl`, found next to the test bundle (both are products of the same build).
enum SMPCtlProcess {
    struct Result {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    static var executable: URL {
        // Linux: the test runner is an executable in the build directory; macOS: a bundle inside it.
        let testBinaryDirectory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent()
        let candidates = [
            testBinaryDirectory, Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent(),
        ]
        for directory in candidates {
            let candidate = directory.appendingPathComponent("smpctl")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return testBinaryDirectory.appendingPathComponent("smpctl")
    }

    /// The repository, so that commands can name Examples/ and Hardware/ as a user in it would.
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs smpctl to completion in `directory` and returns its exit status and output.
    static func run(
        _ arguments: [String], environment: [String: String]? = nil, in directory: URL = repositoryRoot
    ) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        if let environment { process.environment = environment }
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData, as: UTF8.self)
        )
    }
}
