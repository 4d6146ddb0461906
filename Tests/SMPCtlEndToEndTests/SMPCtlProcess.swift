import Foundation

/// The built `smpctl`, found next to the test bundle (both are products of the same build).
enum SMPCtlProcess {
    struct Result {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// `SMPCTL_EXECUTABLE` runs another build (an installed smpctl, or an older one to see a test fail).
    static var executable: URL {
        if let override = ProcessInfo.processInfo.environment["SMPCTL_EXECUTABLE"] {
            return URL(fileURLWithPath: override)
        }
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

    /// Runs smpctl to completion in `directory` and returns its exit status and output. Standard output and
    /// standard error are read at the same time, so that a child filling one pipe while the other is read never
    /// deadlocks; `standardInput` (if any) is written on its own thread too, then closed. `program` replaces
    /// smpctl, for testing this runner itself. After `timeout` seconds the child is terminated (status 15).
    static func run(
        _ arguments: [String], environment: [String: String]? = nil, in directory: URL = repositoryRoot,
        standardInput: Data? = nil, program: URL? = nil, timeout: TimeInterval = 120
    ) throws -> Result {
        let process = Process()
        process.executableURL = program ?? executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        if let environment { process.environment = environment }
        let output = Pipe()
        let error = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = standardInput == nil ? FileHandle.nullDevice : input
        try process.run()
        // A command that should have stopped but serves or waits on: killed, so the test fails instead of hanging.
        let watchdog = DispatchWorkItem { [process] in if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        defer { watchdog.cancel() }
        let outputData = ConcurrentRead(output.fileHandleForReading)
        let errorData = ConcurrentRead(error.fileHandleForReading)
        if let standardInput {
            let writer = input.fileHandleForWriting
            Thread.detachNewThread {
                // The child may exit without reading everything: a write then fails, which is fine here.
                try? writer.write(contentsOf: standardInput)
                try? writer.close()
            }
        }
        let outputBytes = outputData.wait()
        let errorBytes = errorData.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            standardOutput: String(decoding: outputBytes, as: UTF8.self),
            standardError: String(decoding: errorBytes, as: UTF8.self)
        )
    }
}

/// Reads a handle to its end on a thread of its own.
final class ConcurrentRead: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    /// Everything read, once the writer closed its end.
    func wait() -> Data {
        done.wait()
        return data
    }
}
