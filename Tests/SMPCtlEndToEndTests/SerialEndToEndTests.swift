import Foundation
import Testing

/// Runs the built `smpctl` for the serial commands, as a user would.
@Suite("smpctl serial commands, end to end")
struct SerialEndToEndTests {
    @Test("ports --json lists ports as one JSON document with the same keys for every port")
    func portsJSON() throws {
        let result = try SMPCtlProcess.run(["ports", "--json"])
        #expect(result.status == 0, "stderr: \(result.standardError)")
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let ports = try #require(document["ports"] as? [[String: Any]])
        #expect(document["hardware_directory"] is String)
        for port in ports {
            #expect(
                Set(port.keys) == [
                    "path", "transport", "usb_vendor_id", "usb_product_id", "usb_id", "manufacturer", "product",
                    "serial_number", "description", "board",
                ]
            )
        }
    }

    @Test("ports with a hardware directory that does not exist fails with 69 and names it")
    func portsMissingHardware() throws {
        let result = try SMPCtlProcess.run(["ports", "--hardware", "/nonexistent/Hardware"])
        #expect(result.status == 69)
        #expect(result.standardError == "smpctl: /nonexistent/Hardware: no such directory (from --hardware)\n")
    }
}

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

    /// Runs smpctl to completion and returns its exit status and output.
    static func run(_ arguments: [String], environment: [String: String]? = nil) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
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
