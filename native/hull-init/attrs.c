/*
 * Process attributes of config.md#linux-process and namespaces that are not a clone flag:
 *   timens (P)        config-linux.md#namespaces `time` + #time-offsets: unshare(CLONE_NEWTIME)
 *                     (not a clone(2) flag: 0x80 is in CSIGNAL) and write the offsets before
 *                     any process enters it; the container's init is forked into it.
 *   cpu_affinity      config.md#linux-process execCPUAffinity: `initial` before the fork (the
 *                     runtime side, before the cgroup join), `final` in the child after it.
 *   personality       config-linux.md#personality.
 *   ioprio            ioPriority: ioprio_set(IOPRIO_WHO_PROCESS, 0, class << 13 | level).
 *   scheduler         scheduler: sched_setattr(2) with every field of the spec.
 *   session_keyring   runc's default: a fresh session keyring named after the container, so the
 *                     container never shares the host's (--no-new-keyring skips it).
 *   apparmor          apparmorProfile: the profile applied on the next execve.
 *   idmap_mount (P) + mount_fd: idmapped mounts (config.md#posix-platform-mounts uidMappings):
 *                     the runtime side makes a detached, idmapped copy of the source while it is
 *                     still in the host's user and mount namespaces (privileged over the
 *                     filesystem); the child moves it into place inside the rootfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"
#include "util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

void op_timens(const struct op *op) {
  if (unshare(CLONE_NEWTIME) < 0) die_errno("unshare the time namespace");
  const char *offsets = fstr(op, 0);
  /* time_namespaces(7): writable only until the first process enters the namespace. */
  if (*offsets && write_file("/proc/self/timens_offsets", offsets) < 0) die_errno("write timens_offsets");
}

void op_cpu_affinity(const struct op *op) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (uint32_t i = 0; i < op->nfields; i++) {
    long long cpu = fll(op, i);
    if (cpu < 0 || cpu >= CPU_SETSIZE) die("execCPUAffinity: cpu %lld out of range", cpu);
    CPU_SET((int)cpu, &set);
  }
  if (sched_setaffinity(0, sizeof set, &set) < 0) die_errno("sched_setaffinity");
}

void op_personality(const struct op *op) {
  if (personality((unsigned long)fll(op, 0)) < 0) die_errno("personality %#llx", fll(op, 0));
}

void op_ioprio(const struct op *op) {
  /* IOPRIO_WHO_PROCESS = 1, who 0: this process. */
  if (syscall(SYS_ioprio_set, 1, 0, (int)fll(op, 0)) < 0) die_errno("ioprio_set %lld", fll(op, 0));
}

/* include/uapi/linux/sched/types.h, VER0 size plus the util clamps. */
struct hull_sched_attr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
  uint32_t sched_util_min;
  uint32_t sched_util_max;
};

/* fields: policy, flags, nice, priority, runtime, deadline, period */
void op_scheduler(const struct op *op) {
  struct hull_sched_attr a = {
      .size = sizeof a,
      .sched_policy = (uint32_t)fll(op, 0),
      .sched_flags = full(op, 1),
      .sched_nice = (int32_t)fll(op, 2),
      .sched_priority = (uint32_t)fll(op, 3),
      .sched_runtime = full(op, 4),
      .sched_deadline = full(op, 5),
      .sched_period = full(op, 6),
  };
  if (syscall(SYS_sched_setattr, 0, &a, 0) < 0) die_errno("sched_setattr (policy %u)", a.sched_policy);
}

void op_session_keyring(const struct op *op) {
  /* KEYCTL_JOIN_SESSION_KEYRING = 1. Like runc, a kernel without keyrings is not an error. */
  if (syscall(SYS_keyctl, 1, fstr(op, 0)) < 0) {
    if (errno == ENOSYS || errno == EACCES || errno == EDQUOT)
      warnx_("cannot join a new session keyring: %s", strerror(errno));
    else
      die_errno("join a new session keyring");
  }
}

void op_apparmor(const struct op *op) {
  char buf[4096];
  int n = snprintf(buf, sizeof buf, "exec %s", fstr(op, 0));
  if (n < 0 || (size_t)n >= sizeof buf) die("apparmorProfile too long");
  if (write_file("/proc/self/attr/apparmor/exec", buf) < 0 && write_file("/proc/self/attr/exec", buf) < 0)
    die_errno("apply AppArmor profile %s", fstr(op, 0));
}

static int g_idmap_fds[32];
static uint32_t g_nidmap;

static void write_map(pid_t pid, const char *file, const char *map) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", pid, file);
  if (write_file(path, map) < 0) die_errno("idmapped mount: write %s", path);
}

/* A user namespace with the mount's maps: a helper child unshares it, we map it and keep an fd. */
static int make_userns(const char *uidmap, const char *gidmap) {
  int ready[2], hold[2];
  if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(hold, O_CLOEXEC) < 0) die_errno("pipe");
  pid_t pid = fork();
  if (pid < 0) die_errno("fork");
  if (pid == 0) {
    char c = 0;
    close(ready[0]);
    close(hold[1]);
    if (unshare(CLONE_NEWUSER) < 0) _exit(1);
    if (write(ready[1], &c, 1) != 1) _exit(1);
    (void)!read(hold[0], &c, 1);
    _exit(0);
  }
  close(ready[1]);
  close(hold[0]);
  char c;
  if (read(ready[0], &c, 1) != 1) die("idmapped mount: the helper could not make a user namespace");
  close(ready[0]);
  write_map(pid, "uid_map", uidmap);
  write_map(pid, "gid_map", gidmap);
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/user", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die_errno("open %s", path);
  close(hold[1]);
  while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
  }
  return fd;
}

/* fields: source, recursive, MOUNT_ATTR_* flags, uid map text, gid map text */
void op_idmap_mount(const struct op *op) {
  const char *source = fstr(op, 0);
  int recursive = (int)fll(op, 1);
  if (g_nidmap == sizeof g_idmap_fds / sizeof *g_idmap_fds) die("too many idmapped mounts");
  int ns = make_userns(fstr(op, 3), fstr(op, 4));
  int tree = (int)syscall(SYS_open_tree, AT_FDCWD, source,
                          OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0));
  if (tree < 0) die_errno("idmapped mount: open_tree %s", source);
  struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP | full(op, 2), .userns_fd = (uint64_t)ns};
  if (syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr, sizeof attr) < 0)
    die_errno("idmapped mount of %s (does its filesystem support idmapped mounts?)", source);
  close(ns);
  g_idmap_fds[g_nidmap++] = tree;
}

/* fields: index (of idmap_mount), target, kind, propagation flags */
void op_mount_fd(const struct op *op) {
  long long i = fll(op, 0);
  const char *target = fstr(op, 1);
  if (i < 0 || (uint64_t)i >= g_nidmap) die("plan: mount_fd %lld has no idmap_mount", i);
  int fd = root_mkpath(target, strcmp(fstr(op, 2), "file") == 0);
  if (fd < 0) die_errno("mount: resolve /%s in the rootfs", target);
  if (syscall(SYS_move_mount, g_idmap_fds[i], "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    die_errno("move the idmapped mount onto /%s", target);
  close(fd);
  close(g_idmap_fds[i]);
  g_idmap_fds[i] = -1;
  unsigned long prop = (unsigned long)fll(op, 3);
  if (prop) {
    char p[32];
    fd = root_resolve(target);
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    if (fd < 0 || syscall(SYS_mount, NULL, p, NULL, prop, NULL) < 0) die_errno("set propagation on /%s", target);
    close(fd);
  }
}
