import Foundation
import Glibc
import SMPSystem
import Testing

@Suite("Atomic file writer")
struct AtomicFileWriterTests {
    /// A fresh directory for one test.
    private func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("smpsystem-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    private func leftovers(in directory: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.contains(".tmp-") }
    }

    @Test("a new file is written, an existing regular file replaced, and no temporary file stays")
    func writesAndReplaces() throws {
        let directory = try directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/out.json"
        try AtomicFileWriter.checkWritable(path)
        #expect(!FileManager.default.fileExists(atPath: path), "the check must not leave the file behind")
        try AtomicFileWriter.write(Array("one".utf8), to: path)
        try AtomicFileWriter.write(Array("two".utf8), to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "two")
        #expect(try leftovers(in: directory).isEmpty)
        // A replaced file keeps its permissions.
        try #require(chmod(path, 0o600) == 0)
        try AtomicFileWriter.write(Array("three".utf8), to: path)
        var info = stat()
        try #require(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
    }

    @Test(
        "device nodes, links, FIFOs and directories are refused, named by type, and left as they were",
        arguments: ["device", "link", "dangling link", "fifo", "directory"])
    func refusesNonRegular(kind: String) throws {
        let directory = try directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let target = directory + "/target"
        try Data("keep".utf8).write(to: URL(fileURLWithPath: target))
        var path = kind
        var expected = "a character device"
        switch kind {
        case "device":
            // As root, a private copy of /dev/full (major 1, minor 7), so that a regression replaces the copy and
            // never the system's node; without root, /dev/full itself, which such a user cannot replace.
            path = directory + "/full"
            if mknod(path, S_IFCHR | 0o666, dev_t((1 << 8) | 7)) != 0 { path = "/dev/full" }
        case "link":
            path = directory + "/link"
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
            expected = "a symbolic link"
        case "dangling link":
            path = directory + "/dangling"
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: directory + "/nowhere")
            expected = "a symbolic link"
        case "fifo":
            path = directory + "/fifo"
            try #require(mkfifo(path, 0o600) == 0)
            expected = "a FIFO"
        case "directory":
            path = directory + "/sub"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            expected = "a directory"
        default:
            break
        }
        var before = stat()
        try #require(lstat(path, &before) == 0)
        for attempt in [
            { try AtomicFileWriter.checkWritable(path) }, { try AtomicFileWriter.write([1, 2], to: path) },
        ] {
            let error = #expect(throws: FileWriteError.self) { try attempt() }
            #expect(error?.description.hasPrefix("\(path): is \(expected), not a regular file") == true, "\(error!)")
        }
        var after = stat()
        try #require(lstat(path, &after) == 0)
        #expect(after.st_ino == before.st_ino && after.st_mode == before.st_mode)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep")
        #expect(!FileManager.default.fileExists(atPath: directory + "/nowhere"))
        #expect(try leftovers(in: directory).isEmpty)
    }

    @Test("a missing directory is named; a path through a regular file is refused")
    func missingDirectory() throws {
        let error = #expect(throws: FileWriteError.self) { try AtomicFileWriter.checkWritable("/nonexistent/d/x") }
        #expect(error?.description == "/nonexistent/d/x: directory /nonexistent/d does not exist")
        let notDirectory = #expect(throws: FileWriteError.self) {
            try AtomicFileWriter.checkWritable("/etc/passwd/x")
        }
        #expect(notDirectory?.reason.contains("not a directory") == true)
    }

    @Test(
        "a failing write, fsync, close or rename leaves the old content and no temporary file",
        arguments: ["write", "fsync", "close", "rename"])
    func failureKeepsOldContent(operation: String) throws {
        let directory = try directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/out.json"
        try AtomicFileWriter.write(Array("old".utf8), to: path)
        let faults = FaultInjection()
        faults.fail(operation, errorNumber: operation == "rename" ? EXDEV : ENOSPC, times: 1)
        let error = FaultInjection.$current.withValue(faults) {
            #expect(throws: FileWriteError.self) { try AtomicFileWriter.write(Array("new".utf8), to: path) }
        }
        #expect(error?.path == path)
        #expect(error?.reason.contains(operation == "rename" ? "Invalid cross-device link" : "No space left") == true)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old")
        #expect(try leftovers(in: directory).isEmpty)
    }
}

@Suite("Input files")
struct InputFileTests {
    @Test(
        "missing paths, directories, devices and FIFOs get one line saying what they are and what was expected",
        arguments: [
            ("/nonexistent/plan.json", "/nonexistent/plan.json: does not exist; expected a plan"),
            ("/tmp", "/tmp: is a directory; expected a plan"),
            ("/dev/zero", "/dev/zero: is a character device; expected a plan"),
            ("/etc/passwd/x", "/etc/passwd/x: a part of the path is not a directory"),
        ])
    func refused(path: String, message: String) {
        let error = #expect(throws: FileReadError.self) { try InputFile.checkReadable(path, expected: "a plan") }
        #expect(error?.description == message)
    }

    @Test("read refuses more than the limit without reading on, and reads a character device when allowed")
    func readLimit() throws {
        let error = #expect(throws: FileReadError.self) {
            try InputFile.read("/dev/zero", expected: "a capture", alsoAllowed: .characterDevice, limit: 1 << 20)
        }
        #expect(error?.description == "/dev/zero: is larger than 1048576 bytes; expected a capture")
        let passwd = try InputFile.read("/etc/passwd", expected: "text", limit: 1 << 20)
        #expect(!passwd.isEmpty)
    }
}
