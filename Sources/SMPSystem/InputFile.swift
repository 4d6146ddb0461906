import Glibc

/// Why an input file cannot be read: the path and the reason, as one line.
public struct FileReadError: Error, Sendable, CustomStringConvertible {
    /// The path as the user gave it.
    public let path: String
    /// What is wrong, e.g. "does not exist" or "is a directory; expected a plan file".
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

/// Opening input files the same way in every command, with one-line reasons a user can act on (no Foundation
/// "error 256" or "You don't have permission" for a directory or a FIFO).
public enum InputFile {
    /// The path that means standard input.
    public static let standardInputPath = "-"

    /// What an input may be besides a regular file.
    public struct Kinds: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// FIFOs and pipes (`<(...)`, `mkfifo`), read as a stream.
        public static let fifo = Kinds(rawValue: 1)
        /// Character devices (`/dev/ttyUSB0`, `/dev/urandom`), read as a stream.
        public static let characterDevice = Kinds(rawValue: 2)
    }

    /// Checks that `path` names an existing regular file (or one of `alsoAllowed`) this process can open for
    /// reading; `expected` says what it should be ("a plan file"). Opening a FIFO here would consume a writer,
    /// so a FIFO's permission is checked with access(2) instead.
    public static func checkReadable(
        _ path: String, expected: String, alsoAllowed: Kinds = []
    ) throws(FileReadError) {
        let kind = try kind(of: path, expected: expected, alsoAllowed: alsoAllowed)
        if kind == S_IFIFO {
            do {
                try SystemCall.run("access") { access(path, R_OK) }
            } catch {
                throw FileReadError(path: path, reason: "cannot be read: \(error.message)")
            }
            return
        }
        let descriptor = try open(path, expected: expected, alsoAllowed: alsoAllowed)
        SystemCall.close(descriptor)
    }

    /// Opens `path` for reading (`-`: a duplicate of standard input) after checking what it is; the caller
    /// closes the descriptor.
    public static func open(
        _ path: String, expected: String, alsoAllowed: Kinds = []
    ) throws(FileReadError) -> Int32 {
        if path == standardInputPath {
            do {
                return try SystemCall.run("dup") { dup(STDIN_FILENO) }
            } catch {
                throw FileReadError(path: "standard input", reason: "cannot be read: \(error.message)")
            }
        }
        _ = try kind(of: path, expected: expected, alsoAllowed: alsoAllowed)
        do {
            return try SystemCall.run("open") { Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY) }
        } catch {
            throw FileReadError(path: path, reason: "cannot be opened: \(error.message)")
        }
    }

    /// Reads all of `path` (`-`: standard input), refusing more than `limit` bytes without reading further.
    public static func read(
        _ path: String, expected: String, alsoAllowed: Kinds = [], limit: Int
    ) throws(FileReadError) -> [UInt8] {
        let descriptor = try open(path, expected: expected, alsoAllowed: alsoAllowed)
        defer { SystemCall.close(descriptor) }
        var content: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count: Int
            do {
                count = try SystemCall.run("read") { Glibc.read(descriptor, &chunk, chunk.count) }
            } catch {
                throw FileReadError(path: path, reason: "cannot be read: \(error.message)")
            }
            if count == 0 { return content }
            guard content.count + count <= limit else {
                throw FileReadError(path: path, reason: "is larger than \(limit) bytes; expected \(expected)")
            }
            content += chunk[0..<count]
        }
    }

    /// The file type of `path`, after refusing a missing path and any type not allowed.
    private static func kind(of path: String, expected: String, alsoAllowed: Kinds) throws(FileReadError) -> mode_t {
        guard !path.isEmpty else { throw FileReadError(path: path, reason: "empty path; expected \(expected)") }
        var info = stat()
        do {
            try SystemCall.run("stat") { stat(path, &info) }
        } catch {
            switch error.errorNumber {
            case ENOENT: throw FileReadError(path: path, reason: "does not exist; expected \(expected)")
            case ENOTDIR: throw FileReadError(path: path, reason: "a part of the path is not a directory")
            default: throw FileReadError(path: path, reason: "cannot be examined: \(error.message)")
            }
        }
        let type = info.st_mode & S_IFMT
        let allowed =
            type == S_IFREG || (type == S_IFIFO && alsoAllowed.contains(.fifo))
            || (type == S_IFCHR && alsoAllowed.contains(.characterDevice))
        guard allowed else {
            throw FileReadError(
                path: path, reason: "is \(FileType.description(of: type)); expected \(expected)")
        }
        return type
    }
}
