/*
 * Device nodes (config-linux.md#devices, #default-devices) and /dev symlinks, made inside the
 * rootfs through fds resolved with RESOLVE_IN_ROOT. In a user namespace mknod(2) fails, so the
 * plan asks for a bind mount of the host's node instead.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "init.h"
#include "util.h"

/* Splits "a/b/c" into an fd for "a/b" (created if missing) and the base name "c". */
static int parent_of(const char *path, char *buf, size_t size, const char **base) {
  if (strlen(path) >= size) {
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(buf, path);
  char *slash = strrchr(buf, '/');
  if (!slash) {
    *base = path;
    return root_resolve("");
  }
  *slash = 0;
  *base = path + (slash - buf) + 1;
  return root_mkpath(buf, 0);
}

void op_mknod(const struct op *op) {
  const char *path = fstr(op, 0), *type = fstr(op, 1);
  unsigned major = (unsigned)fll(op, 2), minor = (unsigned)fll(op, 3);
  mode_t mode = (mode_t)fll(op, 4) & 07777;
  uid_t uid = (uid_t)fll(op, 5);
  gid_t gid = (gid_t)fll(op, 6);
  if (fll(op, 7)) {
    char host[PATH_MAX + 1], p[32];
    snprintf(host, sizeof host, "/%s", path);
    int fd = root_mkpath(path, 1);
    if (fd < 0) die_errno("create /%s", path);
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    if (mount(host, p, NULL, MS_BIND, NULL) < 0) die_errno("bind device %s", host);
    close(fd);
    return;
  }
  mode_t kind = type[0] == 'b' ? S_IFBLK : type[0] == 'p' ? S_IFIFO : S_IFCHR;
  char buf[PATH_MAX];
  const char *base;
  int dir = parent_of(path, buf, sizeof buf, &base);
  if (dir < 0) die_errno("mknod /%s: parent", path);
  dev_t dev = makedev(major, minor);
  if (mknodat(dir, base, kind | mode, dev) < 0) {
    /* A node the rootfs already has (e.g. its own /dev/null) is replaced, as runc does. */
    if (errno != EEXIST || unlinkat(dir, base, 0) < 0 || mknodat(dir, base, kind | mode, dev) < 0)
      die_errno("mknod /%s", path);
  }
  if (fchownat(dir, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) die_errno("chown /%s", path);
  close(dir);
}

void op_symlink(const struct op *op) {
  const char *target = fstr(op, 0), *path = fstr(op, 1);
  char buf[PATH_MAX];
  const char *base;
  int dir = parent_of(path, buf, sizeof buf, &base);
  if (dir < 0) die_errno("symlink /%s: parent", path);
  if (symlinkat(target, dir, base) < 0 && errno != EEXIST) die_errno("symlink /%s -> %s", path, target);
  close(dir);
}
