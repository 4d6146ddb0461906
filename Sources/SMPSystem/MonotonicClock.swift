import Glibc

extension SystemCall {
    /// The host's monotonic clock (`CLOCK_MONOTONIC`) in microseconds: it never steps back when the wall clock is
    /// set, so every host-side time of a session (deadlines, clock samples, loss detection) is read from it.
    ///
    /// `CLOCK_MONOTONIC` exists on every Linux, so a failure here means a broken C library: it stops the program with
    /// the call's name rather than returning a time that is not one.
    package static func monotonicMicroseconds() -> UInt64 {
        var spec = timespec()
        do {
            try run("clock_gettime") { clock_gettime(CLOCK_MONOTONIC, &spec) }
        } catch {
            preconditionFailure("\(error)")
        }
        return UInt64(spec.tv_sec) * 1_000_000 + UInt64(spec.tv_nsec) / 1000
    }
}
