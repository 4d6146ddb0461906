import Glibc

/// Why an output file cannot be, or could not be, written: the path and the reason, as one line.
public struct FileWriteError: Error, Sendable, CustomStringConvertible {
    /// The path as the user gave it.
    public let path: String
    /// What is wrong, e.g. "is a character device, not a regular file" or "No space left on device".
    public let reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
}

/// The one way this package writes an output file: readers see the old content or the new, never half.
///
/// The data goes to a new temporary file in the target's directory, is flushed to disk, and is renamed over the
/// target. Only a regular file or a new name is ever replaced: a device node (`/dev/full`), a FIFO, a directory or
/// a symbolic link (`/dev/stdout`) is refused, so that writing never turns them into plain files or writes through
/// a link somewhere unexpected. `-` means standard output, as usual.
public enum AtomicFileWriter {
    /// The path that means standard output.
    public static let standardOutputPath = "-"

    /// Checks, before any work starts, that `path` can be written later: `-`, or a new name or a regular file in
    /// an existing directory where a file can be created (tried for real, so read-only file systems and missing
    /// permissions show up now and not after an hour of work).
    public static func checkWritable(_ path: String) throws(FileWriteError) {
        guard path != standardOutputPath else { return }
        try checkReplaceable(path)
        let temporary = try createTemporary(for: path)
        SystemCall.close(temporary.descriptor)
        _ = try? SystemCall.run("unlink") { unlink(temporary.path) }
    }

    /// Writes `bytes` to `path` atomically (or to standard output for `-`); on failure nothing is left behind
    /// and an existing file keeps its old content.
    public static func write<Bytes: Collection<UInt8>>(_ bytes: Bytes, to path: String) throws(FileWriteError) {
        let content = Array(bytes)
        if path == standardOutputPath {
            do {
                try SystemCall.writeAll(STDOUT_FILENO, content)
            } catch {
                throw FileWriteError(path: path, reason: "cannot write to standard output: \(error.message)")
            }
            return
        }
        let existingMode = try checkReplaceable(path)
        let temporary = try createTemporary(for: path)
        do throws(SystemCallError) {
            do {
                // A replaced file keeps its permissions; a new one gets 0644 less the umask.
                if let existingMode {
                    try SystemCall.run("fchmod") { fchmod(temporary.descriptor, existingMode & 0o7777) }
                }
                try SystemCall.writeAll(temporary.descriptor, content)
                try SystemCall.run("fsync") { fsync(temporary.descriptor) }
            } catch {
                SystemCall.close(temporary.descriptor)
                throw error
            }
            if let error = SystemCall.close(temporary.descriptor) { throw error }
        } catch {
            _ = try? SystemCall.run("unlink") { unlink(temporary.path) }
            throw FileWriteError(path: path, reason: "cannot write: \(error.message)")
        }
        do throws(FileWriteError) {
            // Checked again right before the rename: what appeared at the path meanwhile is not replaced either.
            try checkReplaceable(path)
            do {
                try SystemCall.run("rename") { rename(temporary.path, path) }
            } catch {
                throw FileWriteError(path: path, reason: "cannot rename into place: \(error.message)")
            }
        } catch {
            _ = try? SystemCall.run("unlink") { unlink(temporary.path) }
            throw error
        }
    }

    /// Refuses a path whose current entry is anything but a regular file; a missing entry is fine. Returns the
    /// existing file's mode, nil for a new name.
    @discardableResult
    private static func checkReplaceable(_ path: String) throws(FileWriteError) -> mode_t? {
        guard !path.isEmpty else { throw FileWriteError(path: path, reason: "empty path; expected a file name") }
        var info = stat()
        do {
            try SystemCall.run("lstat") { lstat(path, &info) }
        } catch {
            if error.errorNumber == ENOENT { return nil }
            if error.errorNumber == ENOTDIR {
                throw FileWriteError(path: path, reason: "a part of the path is not a directory")
            }
            throw FileWriteError(path: path, reason: "cannot be examined: \(error.message)")
        }
        let type = info.st_mode & S_IFMT
        guard type == S_IFREG else {
            throw FileWriteError(
                path: path,
                reason:
                    "is \(FileType.description(of: type)), not a regular file; expected a regular file or a new name"
                    + (type == S_IFLNK ? " (name the file itself, not a link to it)" : ""))
        }
        return info.st_mode
    }

    /// Creates a new, empty file next to `path` (never an existing one: O_EXCL, and no link is followed).
    private static func createTemporary(for path: String) throws(FileWriteError) -> (descriptor: Int32, path: String) {
        let directory = directoryName(of: path)
        var info = stat()
        do {
            try SystemCall.run("stat") { stat(directory, &info) }
        } catch {
            throw FileWriteError(path: path, reason: "directory \(directory) \(directoryProblem(error))")
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw FileWriteError(path: path, reason: "\(directory) is not a directory")
        }
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        for attempt in 0..<16 {
            let temporary = directory + "/." + name + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            do {
                let descriptor = try SystemCall.run("open") {
                    open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
                }
                return (descriptor, temporary)
            } catch {
                if error.errorNumber == EEXIST && attempt < 15 { continue }
                throw FileWriteError(path: path, reason: "cannot create a file in \(directory): \(error.message)")
            }
        }
        throw FileWriteError(path: path, reason: "cannot create a file in \(directory)")
    }

    private static func directoryName(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = String(path[..<slash])
        return directory.isEmpty ? "/" : directory
    }

    private static func directoryProblem(_ error: SystemCallError) -> String {
        switch error.errorNumber {
        case ENOENT: return "does not exist"
        case ENOTDIR: return "is not a directory"
        default: return "cannot be used: \(error.message)"
        }
    }
}

/// File types named for messages.
package enum FileType {
    /// "a regular file", "a directory", "a character device", ... for the `S_IFMT` bits of `mode`.
    package static func description(of mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFREG: return "a regular file"
        case S_IFDIR: return "a directory"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFIFO: return "a FIFO"
        case S_IFSOCK: return "a socket"
        case S_IFLNK: return "a symbolic link"
        default: return "a special file"
        }
    }
}
