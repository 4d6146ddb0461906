import Foundation
import SMPPlanning
import SMPSystem

/// How every command checks, reads and writes the files named on its command line, and the exit status each
/// problem gets: an input that is missing or unreadable 66, an output that cannot be created 73 (both checked
/// before any work starts), a write that fails 74.
enum CommandFiles {
    /// The plan file at `path`, planned: its session's dots in visiting order. A plan that fails to load or plan is
    /// bad data (65), named by file, field and reason.
    static func plannedSession(_ path: String) throws(CommandFailure) -> PlanResult {
        do {
            return try Planner.run(try PlanLoader.load(contentsOf: URL(fileURLWithPath: path), displayName: path))
        } catch let error as PlanError {
            throw CommandFailure(.dataError, error.description)
        } catch {
            throw CommandFailure(.dataError, "\(path): \(error)")
        }
    }

    /// Fails unless `path` is a regular file this process can read.
    static func checkInput(_ path: String, expected: String) throws(CommandFailure) {
        do {
            try InputFile.checkReadable(path, expected: expected)
        } catch {
            throw CommandFailure(.noInput, error.description)
        }
    }

    /// All of `path`, at most `limit` bytes.
    static func readInput(_ path: String, expected: String, limit: Int) throws(CommandFailure) -> Data {
        do {
            return Data(try InputFile.read(path, expected: expected, limit: limit))
        } catch {
            throw CommandFailure(.noInput, error.description)
        }
    }

    /// Fails unless `path` can be written when the work is done: `-`, a new name in a writable directory, or a
    /// regular file.
    static func checkOutput(_ path: String) throws(CommandFailure) {
        do {
            try AtomicFileWriter.checkWritable(path)
        } catch {
            throw CommandFailure(.cannotCreate, error.description)
        }
    }

    /// Writes `bytes` to `path` atomically (`-`: standard output).
    static func write<Bytes: Collection<UInt8>>(_ bytes: Bytes, to path: String) throws(CommandFailure) {
        do {
            try AtomicFileWriter.write(bytes, to: path)
        } catch {
            throw CommandFailure(.ioError, error.description)
        }
    }

    /// Whether `path` means standard output, so that a command puts its summary on stderr instead.
    static func isStandardOutput(_ path: String?) -> Bool { path == AtomicFileWriter.standardOutputPath }
}
