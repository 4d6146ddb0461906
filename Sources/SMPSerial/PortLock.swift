import Glibc
import SMPSystem

/// Exclusive access to an open port, shared by both backends.
enum PortLock {
    /// Takes an advisory `flock` (so a second smpctl, even running as root, gets "busy") and sets the tty's
    /// `TIOCEXCL` (so that other programs' opens fail with EBUSY, except root's: the kernel lets CAP_SYS_ADMIN
    /// through, which is why the flock is there too).
    static func acquire(fileDescriptor: Int32, path: String) throws(SerialError) {
        do {
            try SystemCall.run("flock", port: path) { flock(fileDescriptor, LOCK_EX | LOCK_NB) }
        } catch {
            var busy = error
            if error.errorNumber == EWOULDBLOCK || error.errorNumber == EAGAIN {
                busy.kind = .busy
                busy.message = "another process has it open (advisory lock held)"
            }
            throw busy
        }
        try SystemCall.run("ioctl(TIOCEXCL)", port: path) { ioctl(fileDescriptor, UInt(TIOCEXCL)) }
    }
}
