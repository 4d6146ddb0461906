// TEST-ONLY helper: opens a pseudo-terminal pair for the tests; see include/CSerialTestInterposer.h.
#define _GNU_SOURCE
#include "CSerialTestInterposer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int smp_test_open_pseudo_terminal(char *slave_path, unsigned long size) {
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0) return -1;
    if (grantpt(master) != 0 || unlockpt(master) != 0 || ptsname_r(master, slave_path, size) != 0) {
        int saved = errno;
        close(master);
        errno = saved;
        return -1;
    }
    return master;
}
