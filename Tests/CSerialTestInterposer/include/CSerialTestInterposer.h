// TEST-ONLY. Linked into the test binary (a dependency of SMPSerialTests alone), never into smpctl or a library
// product. It lets libserialport open a pseudo-terminal, so that the libserialport backend can be tested end to end
// without a USB board. Only PTYs registered here are affected; every other call goes straight to libc.
#ifndef SMPCTL_CSERIALTESTINTERPOSER_H
#define SMPCTL_CSERIALTESTINTERPOSER_H

/// Makes libserialport accept `path` (e.g. "/dev/pts/3"): its sysfs look-up finds a virtual tty and its modem-line
/// ioctls (TIOCMGET/TIOCMSET/TIOCMBIS/TIOCMBIC), which a PTY answers with ENOTTY, succeed. Returns 0, or -1 when
/// the table of registered paths is full.
int smp_test_interposer_register_pty(const char *path);

/// Undoes `smp_test_interposer_register_pty`.
void smp_test_interposer_unregister_pty(const char *path);

/// How many modem-line ioctls the interposer has answered in place of the kernel, since the process started.
long smp_test_interposer_faked_ioctl_count(void);

#endif
