import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Writes a file so that readers see the old content or the new, never half: temp file in the same directory,
/// then rename.
public enum AtomicFileWriter {
    /// Writes `data` to `path` atomically; errors name the path.
    public static func write(_ data: Data, to path: String) throws(SimulatorInputError) {
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent().appendingPathComponent(
            ".\(url.lastPathComponent).tmp-\(getpid())")
        do {
            try data.write(to: temporary)
        } catch {
            throw SimulatorInputError(
                .data, source: path, field: "", reason: "cannot write (\(error.localizedDescription))")
        }
        guard rename(temporary.path, url.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw SimulatorInputError(.data, source: path, field: "", reason: "cannot rename into place (\(reason))")
        }
    }
}
