// TEST-ONLY interposer for libserialport 0.1.1 on Linux; see include/CSerialTestInterposer.h.
//
// What libserialport 0.1.1 (Debian 0.1.1-4) does for a port name, measured with strace and nm -D:
//   sp_get_port_by_name("/dev/pts/N"): __lxstat("/sys/class/tty/pts/N") -> ENOENT -> SP_ERR_ARG "Device not found".
//     (When the entry is a symlink it then readlink()s it: "usb" or "bluetooth" in the target sets the transport.)
//   sp_open: open(O_RDWR|O_NOCTTY|O_NONBLOCK), tcgetattr, ioctl(TIOCMGET) -> ENOTTY on a PTY -> SP_ERR_FAIL,
//     then ioctl(TIOCMBIS) for RTS and DTR; sp_set_* repeat TIOCMGET and may use TIOCMSET/TIOCMBIC.
// The test binary defines __lxstat, readlink and ioctl; the dynamic linker resolves libserialport's references to
// them here first, and everything not about a registered PTY is forwarded to libc via dlsym(RTLD_NEXT).
#define _GNU_SOURCE
#include "CSerialTestInterposer.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define MAX_PTYS 64
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static char registered[MAX_PTYS][PATH_MAX];
static atomic_long faked_ioctls;

static const char sysfs_prefix[] = "/sys/class/tty/";
static const char virtual_target[] = "../../devices/virtual/tty/pts";

int smp_test_interposer_register_pty(const char *path) {
    int result = -1;
    pthread_mutex_lock(&table_lock);
    for (int i = 0; i < MAX_PTYS; i++) {
        if (registered[i][0] == 0) {
            snprintf(registered[i], PATH_MAX, "%s", path);
            result = 0;
            break;
        }
    }
    pthread_mutex_unlock(&table_lock);
    return result;
}

void smp_test_interposer_unregister_pty(const char *path) {
    pthread_mutex_lock(&table_lock);
    for (int i = 0; i < MAX_PTYS; i++) {
        if (strcmp(registered[i], path) == 0) registered[i][0] = 0;
    }
    pthread_mutex_unlock(&table_lock);
}

long smp_test_interposer_faked_ioctl_count(void) { return atomic_load(&faked_ioctls); }

static int is_registered(const char *path) {
    int found = 0;
    pthread_mutex_lock(&table_lock);
    for (int i = 0; i < MAX_PTYS && !found; i++) {
        found = registered[i][0] != 0 && strcmp(registered[i], path) == 0;
    }
    pthread_mutex_unlock(&table_lock);
    return found;
}

// "/sys/class/tty/pts/N" names the registered "/dev/pts/N".
static int is_registered_sysfs_entry(const char *path) {
    if (path == NULL || strncmp(path, sysfs_prefix, sizeof sysfs_prefix - 1) != 0) return 0;
    char device[PATH_MAX];
    snprintf(device, sizeof device, "/dev/%s", path + sizeof sysfs_prefix - 1);
    return is_registered(device);
}

static ssize_t (*real_readlink(void))(const char *, char *, size_t) {
    static ssize_t (*function)(const char *, char *, size_t);
    if (function == NULL) function = (ssize_t(*)(const char *, char *, size_t))dlsym(RTLD_NEXT, "readlink");
    return function;
}

static int is_registered_descriptor(int fd) {
    char link[64], target[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t length = real_readlink()(link, target, sizeof target - 1);
    if (length <= 0) return 0;
    target[length] = 0;
    return is_registered(target);
}

int __lxstat(int version, const char *path, struct stat *info);
int __lxstat(int version, const char *path, struct stat *info) {
    (void)version;
    if (is_registered_sysfs_entry(path)) {
        memset(info, 0, sizeof *info);
        info->st_mode = S_IFLNK | 0777;
        return 0;
    }
    return lstat(path, info);
}

ssize_t readlink(const char *restrict path, char *restrict buffer, size_t size) {
    if (is_registered_sysfs_entry(path)) {
        size_t length = strlen(virtual_target);
        if (length > size) length = size;
        memcpy(buffer, virtual_target, length);
        return (ssize_t)length;
    }
    return real_readlink()(path, buffer, size);
}

int ioctl(int fd, unsigned long request, ...) {
    static int (*real_ioctl)(int, unsigned long, ...);
    if (real_ioctl == NULL) real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
    va_list arguments;
    va_start(arguments, request);
    void *argument = va_arg(arguments, void *);
    va_end(arguments);
    int saved = errno;
    int result = real_ioctl(fd, request, argument);
    int modem_request = request == TIOCMGET || request == TIOCMSET || request == TIOCMBIS || request == TIOCMBIC;
    if (result == -1 && errno == ENOTTY && modem_request && is_registered_descriptor(fd)) {
        // A PTY has no modem lines: report the ones a connected USB CDC-ACM device shows, accept any change.
        if (request == TIOCMGET && argument != NULL) {
            *(int *)argument = TIOCM_DTR | TIOCM_RTS | TIOCM_CTS | TIOCM_DSR | TIOCM_CD;
        }
        atomic_fetch_add(&faked_ioctls, 1);
        errno = saved;
        return 0;
    }
    return result;
}
