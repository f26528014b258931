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
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init.h"
#include "util.h"

static int g_rootfd = -1;
static char g_rootfs[PATH_MAX];
/* rootfsPropagation made / shared: the mount holding the rootfs is made private first. */
static int g_root_shared;

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

int root_resolve_strict(const char *path) {
  struct open_how how = {
      .flags = O_PATH | O_CLOEXEC | O_NOFOLLOW,
      .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
  };
  return (int)syscall(SYS_openat2, g_rootfd, path, &how, sizeof how);
}

/*
 * One pass of root_mkpath: creates the first missing component of `path` (and the ones after
 * it). When that component is a dangling symlink, the link is followed the way RESOLVE_IN_ROOT
 * would (absolute targets from the rootfs, `..` stopping at it): `path` is rewritten to the
 * link's target plus the rest, and 1 is returned so the caller starts over. runc's
 * securejoin.MkdirAll does the same; nothing is ever created outside the rootfs.
 */
static int mkpath_once(char *path, size_t size, int file) {
  size_t len = strlen(path);
  for (size_t end = 1; end <= len; end++) {
    if (path[end] != '/' && path[end] != 0) continue;
    char saved = path[end];
    path[end] = 0;
    int fd = root_resolve(path);
    if (fd >= 0) {
      close(fd);
      path[end] = saved;
      continue;
    }
    if (errno != ENOENT) return -1;
    char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (slash) *slash = 0;
    int parent = root_resolve(slash ? path : "");
    if (slash) *slash = '/';
    if (parent < 0) return -1;
    char link[PATH_MAX];
    ssize_t n = readlinkat(parent, base, link, sizeof link - 1);
    if (n >= 0) {
      link[n] = 0;
      char next[PATH_MAX];
      const char *rest = saved ? path + end + 1 : "";
      int m;
      if (link[0] == '/') m = snprintf(next, sizeof next, "%s/%s", link + 1, rest);
      else if (slash) {
        *slash = 0;
        m = snprintf(next, sizeof next, "%s/%s/%s", path, link, rest);
      } else
        m = snprintf(next, sizeof next, "%s/%s", link, rest);
      close(parent);
      if (m < 0 || (size_t)m >= size) {
        errno = ENAMETOOLONG;
        return -1;
      }
      while (m > 0 && next[m - 1] == '/') next[--m] = 0;
      strcpy(path, next[0] ? next : ".");
      return 1;
    }
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
    path[end] = saved;
  }
  return 0;
}

int root_mkpath(const char *path, int file) {
  char cur[PATH_MAX];
  if (strlen(path) >= sizeof cur) {
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(cur, path);
  /* 40 links, as the kernel's own limit (path_resolution(7)). */
  for (int hops = 0; hops <= 40; hops++) {
    int fd = root_resolve(cur);
    if (fd >= 0 || errno != ENOENT) return fd;
    if (mkpath_once(cur, sizeof cur, file) < 0) return -1;
  }
  errno = ELOOP;
  return -1;
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
  g_root_shared = (fll(op, 0) & MS_SHARED) != 0;
  if (mount(NULL, "/", NULL, (unsigned long)fll(op, 0), NULL) < 0) die_errno("make / %#llx", fll(op, 0));
}

/*
 * runc's rootfsParentMountPrivate: the mount the rootfs lives on must not be shared, or the
 * rootfs bind (and every mount below it) would propagate to its peers on the host, and
 * pivot_root(2) refuses a shared parent (EINVAL). This matters when rootfsPropagation is
 * shared; the default rslave already stops propagation toward the host.
 */
static void rootfs_parent_private(const char *path) {
  char dir[PATH_MAX], best[PATH_MAX];
  struct statx sx;
  if (!g_root_shared || strlen(path) >= sizeof dir) return;
  if (statx(AT_FDCWD, path, 0, STATX_MNT_ID, &sx) < 0 || !(sx.stx_mask & STATX_MNT_ID)) return;
  uint64_t id = sx.stx_mnt_id;
  strcpy(dir, path);
  strcpy(best, path);
  /* Walk up while the parent is on the same mount: the last such directory is its mount point. */
  while (strcmp(dir, "/") != 0) {
    char *slash = strrchr(dir, '/');
    if (!slash) break;
    if (slash == dir) dir[1] = 0;
    else *slash = 0;
    if (statx(AT_FDCWD, dir, 0, STATX_MNT_ID, &sx) < 0 || sx.stx_mnt_id != id) break;
    strcpy(best, dir);
  }
  /* Local to the container's mount namespace: the host's mount stays as it is. */
  if (mount(NULL, best, NULL, MS_PRIVATE, NULL) < 0) die_errno("make %s private", best);
}

void op_bind_rootfs(const struct op *op) {
  const char *path = fstr(op, 0);
  if (strlen(path) >= sizeof g_rootfs) die("rootfs path too long");
  strcpy(g_rootfs, path);
  rootfs_parent_private(path);
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
  if (mount(nul_if_empty(source), fdpath(fd, p), nul_if_empty(fstype), flags, nul_if_empty(data)) < 0) {
    /*
     * runc's fallback: sysfs can only be mounted by the user namespace that owns the network
     * namespace, so a container in a user namespace of its own that joined a network namespace
     * made outside it (an engine's netns) gets the host's /sys, bound recursively and then made
     * read-only etc. as the mount asked.
     */
    if (errno != EPERM || strcmp(fstype, "sysfs") != 0 ||
        mount("/sys", fdpath(fd, p), NULL, MS_BIND | MS_REC, NULL) < 0)
      die_errno("mount %s on /%s (type %s, flags %#lx, data %s)", source, target, fstype, flags, data);
    unsigned long ro = flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
    close(fd);
    fd = root_resolve(target);
    if (fd < 0) die_errno("reopen /%s", target);
    const char *fp = fdpath(fd, p);
    if (ro && mount(NULL, fp, NULL, MS_REMOUNT | MS_BIND | ro, NULL) < 0 &&
        (errno != EPERM || mount(NULL, fp, NULL, MS_REMOUNT | MS_BIND | ro | locked_flags(fp), NULL) < 0))
      die_errno("remount /%s (the host's /sys) with flags %#lx", target, ro);
  }
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
  char p[32], np[32];
  if (fstat(fd, &st) < 0) die_errno("stat /%s", path);
  int r;
  if (S_ISDIR(st.st_mode)) {
    r = mount("tmpfs", fdpath(fd, p), "tmpfs", MS_RDONLY, NULL);
  } else {
    /* The class of CVE-2025-31133: the container's /dev/null could be a symlink (or a bind of
     * some other file) planted to turn "mask with /dev/null" into "expose this file". Open it
     * inside the root without following any link and check it is the null device (1:3). */
    int null = root_resolve_strict("dev/null");
    struct stat ns;
    if (null < 0) die_errno("mask /%s: open /dev/null in the container", path);
    if (fstat(null, &ns) < 0 || !S_ISCHR(ns.st_mode) || major(ns.st_rdev) != 1 || minor(ns.st_rdev) != 3)
      die("mask /%s: the container's /dev/null is not the null device (1:3); refusing to bind it", path);
    r = mount(fdpath(null, np), fdpath(fd, p), NULL, MS_BIND, NULL);
    close(null);
  }
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
