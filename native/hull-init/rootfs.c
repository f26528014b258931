/*
 * The container's filesystem: every target is resolved inside the rootfs with openat2(2)
 * RESOLVE_IN_ROOT (symlinks are followed as if the rootfs were /, magic links refused), and the
 * mount is made on /proc/self/fd/N of the resulting O_PATH fd, so a hostile rootfs cannot point
 * a mount at the host (CVE-2021-30465 class). Then pivot_root(2) (runc's pivot_root(".", ".")
 * trick, no temporary directory in the rootfs), masked and read-only paths (config-linux.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init.h"
#include "util.h"

static int g_rootfd = -1;
static char g_rootfs[PATH_MAX];

static const char *fdpath(int fd, char buf[static 32]) {
  snprintf(buf, 32, "/proc/self/fd/%d", fd);
  return buf;
}

int root_resolve(const char *path) {
  struct open_how how = {
      .flags = O_PATH | O_CLOEXEC,
      .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  return (int)syscall(SYS_openat2, g_rootfd, *path ? path : ".", &how, sizeof how);
}

int root_mkpath(const char *path, int file) {
  int fd = root_resolve(path);
  if (fd >= 0 || errno != ENOENT) return fd;
  char buf[PATH_MAX];
  if (strlen(path) >= sizeof buf) {
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(buf, path);
  size_t len = strlen(buf);
  for (size_t end = 0; end <= len; end++) {
    if (buf[end] != '/' && buf[end] != 0) continue;
    if (end == 0) continue;
    char saved = buf[end];
    buf[end] = 0;
    fd = root_resolve(buf);
    if (fd >= 0) {
      close(fd);
    } else if (errno == ENOENT) {
      char *slash = strrchr(buf, '/');
      const char *base = slash ? slash + 1 : buf;
      if (slash) *slash = 0;
      int parent = root_resolve(slash ? buf : "");
      if (slash) *slash = '/';
      if (parent < 0) return -1;
      int r;
      if (saved == 0 && file) {
        r = openat(parent, base, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (r >= 0) close(r);
      } else {
        r = mkdirat(parent, base, 0755);
      }
      int e = errno;
      close(parent);
      if (r < 0 && e != EEXIST) {
        errno = e;
        return -1;
      }
    } else {
      return -1;
    }
    buf[end] = saved;
  }
  return root_resolve(path);
}

/* The flags a bind remount must keep (in a user namespace the kernel locks them). */
static unsigned long locked_flags(const char *path) {
  struct statvfs st;
  if (statvfs(path, &st) < 0) return 0;
  unsigned long f = 0;
  if (st.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (st.f_flag & ST_NODEV) f |= MS_NODEV;
  if (st.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  if (st.f_flag & ST_NOATIME) f |= MS_NOATIME;
  if (st.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
  if (st.f_flag & ST_RELATIME) f |= MS_RELATIME;
  return f;
}

void op_root_propagation(const struct op *op) {
  if (mount(NULL, "/", NULL, (unsigned long)fll(op, 0), NULL) < 0) die_errno("make / %#llx", fll(op, 0));
}

void op_bind_rootfs(const struct op *op) {
  const char *path = fstr(op, 0);
  if (strlen(path) >= sizeof g_rootfs) die("rootfs path too long");
  strcpy(g_rootfs, path);
  if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) die_errno("bind rootfs %s", path);
  g_rootfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (g_rootfd < 0) die_errno("open rootfs %s", path);
}

static const char *nul_if_empty(const char *s) { return *s ? s : NULL; }

void op_mount(const struct op *op) {
  const char *source = fstr(op, 0), *target = fstr(op, 1), *fstype = fstr(op, 2), *data = fstr(op, 4);
  unsigned long flags = (unsigned long)fll(op, 3), remount = (unsigned long)fll(op, 5),
                prop = (unsigned long)fll(op, 6);
  int file = strcmp(fstr(op, 7), "file") == 0;
  char p[32];
  int fd = (flags & MS_REMOUNT) ? root_resolve(target) : root_mkpath(target, file);
  if (fd < 0) die_errno("mount %s: resolve /%s in the rootfs", source, target);
  if (mount(nul_if_empty(source), fdpath(fd, p), nul_if_empty(fstype), flags, nul_if_empty(data)) < 0)
    die_errno("mount %s on /%s (type %s, flags %#lx, data %s)", source, target, fstype, flags, data);
  close(fd);
  if (remount) {
    /* Resolve again: the old fd points below the new mount, not at it. */
    fd = root_resolve(target);
    if (fd < 0) die_errno("reopen /%s", target);
    const char *fp = fdpath(fd, p);
    if (mount(NULL, fp, NULL, MS_REMOUNT | MS_BIND | remount, NULL) < 0 &&
        (errno != EPERM || mount(NULL, fp, NULL, MS_REMOUNT | MS_BIND | remount | locked_flags(fp), NULL) < 0))
      die_errno("remount /%s with flags %#lx", target, remount);
    close(fd);
  }
  if (prop) {
    fd = root_resolve(target);
    if (fd < 0 || mount(NULL, fdpath(fd, p), NULL, prop, NULL) < 0)
      die_errno("set propagation %#lx on /%s", prop, target);
    close(fd);
  }
}

void op_pivot_root(void) {
  int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (oldroot < 0) die_errno("open /");
  if (fchdir(g_rootfd) < 0) die_errno("chdir rootfs");
  /* pivot_root(".", ".") stacks the old root on top of the new one; detach it from there. */
  if (syscall(SYS_pivot_root, ".", ".") < 0) die_errno("pivot_root %s", g_rootfs);
  if (fchdir(oldroot) < 0) die_errno("chdir old root");
  /* Slave first, so the detach does not propagate to the host's mounts. */
  if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) die_errno("make old root rslave");
  if (umount2(".", MNT_DETACH) < 0) die_errno("detach old root");
  if (chdir("/") < 0) die_errno("chdir /");
  close(oldroot);
  close(g_rootfd);
  g_rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (g_rootfd < 0) die_errno("open new /");
}

void op_move_root(void) {
  if (fchdir(g_rootfd) < 0) die_errno("chdir rootfs");
  if (mount(".", "/", NULL, MS_MOVE, NULL) < 0) die_errno("move rootfs to /");
  if (chroot(".") < 0) die_errno("chroot");
  if (chdir("/") < 0) die_errno("chdir /");
  close(g_rootfd);
  g_rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (g_rootfd < 0) die_errno("open new /");
}

/* config-linux.md#masked-paths: unreadable to the container; a missing path is not an error. */
void op_mask(const struct op *op) {
  const char *path = fstr(op, 0);
  int fd = root_resolve(path);
  if (fd < 0) {
    if (errno == ENOENT) return;
    die_errno("mask /%s", path);
  }
  struct stat st;
  char p[32];
  if (fstat(fd, &st) < 0) die_errno("stat /%s", path);
  int r = S_ISDIR(st.st_mode) ? mount("tmpfs", fdpath(fd, p), "tmpfs", MS_RDONLY, NULL)
                              : mount("/dev/null", fdpath(fd, p), NULL, MS_BIND, NULL);
  if (r < 0) die_errno("mask /%s", path);
  close(fd);
}

/* config-linux.md#readonly-paths */
void op_readonly(const struct op *op) {
  const char *path = fstr(op, 0);
  char p[32];
  int fd = root_resolve(path);
  if (fd < 0) {
    if (errno == ENOENT) return;
    die_errno("readonly /%s", path);
  }
  if (mount(fdpath(fd, p), p, NULL, MS_BIND | MS_REC, NULL) < 0) die_errno("bind /%s", path);
  close(fd);
  fd = root_resolve(path);
  if (fd < 0) die_errno("reopen /%s", path);
  fdpath(fd, p);
  if (mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags(p), NULL) < 0)
    die_errno("remount /%s read-only", path);
  close(fd);
}

/* config.md#root `readonly` */
void op_readonly_root(void) {
  if (mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags("/"), NULL) < 0)
    die_errno("remount / read-only");
}
