/*
 * Namespaces (config-linux.md#namespaces) and the fork that makes the container's init: joining
 * by path, CLONE_NEW* for new ones (a new pid namespace only applies to children, so the
 * container's process is this fork, pid 1 inside), the parent writing the user namespace maps
 * (config-linux.md#user-namespace-mappings) and the cgroup joins while the child waits.
 *
 * Cgroup joins, fast: moving another process into a cgroup (its pid into cgroup.procs) makes
 * the kernel take cgroup_threadgroup_rwsem for writing, which waits for an RCU grace period:
 * 10-20 ms of every create here (bench/run.ts), runc's too. Two ways around it, both the same
 * membership for a process that has one thread:
 *  - a cgroup v2 directory: the fork lands in it (clone3 CLONE_INTO_CGROUP, Linux 5.7);
 *  - a cgroup v1 hierarchy: the child moves itself, writing "0" to the directory's `tasks`
 *    before it does anything else (one thread moving itself needs no such lock). Not with a
 *    new user namespace, where the child has no right to the host's files: the parent writes.
 * Whatever the fast way cannot do (a clone3 refused, an unexpected path) the parent does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init.h"
#include "util.h"

void op_setns(const struct op *op) {
  const char *path = fstr(op, 1);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) die_errno("open namespace %s", path);
  if (setns(fd, (int)fll(op, 0)) < 0) die_errno("setns %s", path);
  close(fd);
}

#define CGROUP_SUPER_MAGIC_ 0x27e0eb
#define CGROUP2_SUPER_MAGIC_ 0x63677270
#define CLONE_INTO_CGROUP_ 0x200000000ULL
enum { JOIN_PARENT, JOIN_INTO, JOIN_SELF };
#define MAX_JOINS 32
static struct {
  uint32_t op;
  int how;
  const char *procs; /* DIR/cgroup.procs, from the plan */
} g_joins[MAX_JOINS];
static int g_njoins;
static int g_into_fd = -1;

/* linux/sched.h's struct clone_args (CLONE_ARGS_SIZE_VER2), spelled out: glibc's and the
 * kernel's headers disagree on who defines the CLONE_ flags. */
struct clone_args_ {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

static int join_how(uint32_t op) {
  for (int k = 0; k < g_njoins; k++)
    if (g_joins[k].op == op) return g_joins[k].how;
  return JOIN_PARENT;
}

void cgroup_prepare(const struct plan *plan, uint32_t from, unsigned long clone_flags) {
  for (uint32_t i = from; i < plan->nops && g_njoins < MAX_JOINS; i++) {
    const struct op *op = &plan->ops[i];
    if (op->code != OP_CGROUP_JOIN) continue;
    const char *procs = fstr(op, 0);
    int how = JOIN_PARENT;
    const char *slash = strrchr(procs, '/');
    char dir[4096];
    if (slash && !strcmp(slash + 1, "cgroup.procs") && (size_t)(slash - procs) < sizeof dir) {
      memcpy(dir, procs, (size_t)(slash - procs));
      dir[slash - procs] = 0;
      struct statfs sf;
      if (statfs(dir, &sf) == 0) {
        if (sf.f_type == CGROUP2_SUPER_MAGIC_ && g_into_fd < 0) {
          g_into_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
          if (g_into_fd >= 0) how = JOIN_INTO;
        } else if (sf.f_type == CGROUP_SUPER_MAGIC_ && !(clone_flags & CLONE_NEWUSER)) {
          how = JOIN_SELF;
        }
      }
    }
    g_joins[g_njoins].op = i;
    g_joins[g_njoins].how = how;
    g_joins[g_njoins].procs = procs;
    g_njoins++;
  }
}

void cgroup_self_join(void) {
  for (int k = 0; k < g_njoins; k++) {
    if (g_joins[k].how != JOIN_SELF) continue;
    char tasks[4096];
    size_t n = strlen(g_joins[k].procs) - strlen("cgroup.procs");
    if (n + sizeof "tasks" > sizeof tasks) die("cgroup path too long: %s", g_joins[k].procs);
    memcpy(tasks, g_joins[k].procs, n);
    memcpy(tasks + n, "tasks", sizeof "tasks");
    if (write_file(tasks, "0") < 0) die_errno("join cgroup %s", tasks);
  }
}

static pid_t clone_into_cgroup(unsigned long flags) {
  struct clone_args_ args;
  memset(&args, 0, sizeof args);
  args.flags = flags | CLONE_INTO_CGROUP_;
  args.exit_signal = SIGCHLD;
  args.cgroup = (uint64_t)g_into_fd;
  pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof args);
  if (pid < 0) {
    /* An older kernel, or a cgroup the fork may not land in: the parent joins it instead. */
    for (int k = 0; k < g_njoins; k++)
      if (g_joins[k].how == JOIN_INTO) g_joins[k].how = JOIN_PARENT;
  }
  return pid;
}

pid_t op_clone(const struct op *op, int *release_fd) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) die_errno("pipe");
  unsigned long flags = (unsigned long)fll(op, 0);
  /* A fork that lands in the new namespaces; with CLONE_NEWPID the child is pid 1 there. */
  pid_t pid = g_into_fd >= 0 ? clone_into_cgroup(flags) : -1;
  if (g_into_fd >= 0) {
    close(g_into_fd);
    g_into_fd = -1;
  }
  if (pid < 0) pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
  if (pid < 0) die_errno("clone into new namespaces (flags %#lx)", flags);
  if (pid == 0) {
    close(p[1]);
    *release_fd = p[0];
    return 0;
  }
  close(p[0]);
  *release_fd = p[1];
  return pid;
}

static void write_map(pid_t child, const char *file, const char *map) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", child, file);
  if (write_file(path, map) < 0) {
    kill(child, SIGKILL);
    die_errno("write %s", path);
  }
}

static int g_child;
static void forward(int sig) { kill(g_child, sig); }

void parent_ops(const struct plan *plan, uint32_t from, pid_t child, int release_fd) {
  int monitor = 0;
  char pidbuf[32];
  /* Only the child may hold the fifo's read end: `start` tells a dead init by ENXIO. */
  fifo_close();
  snprintf(pidbuf, sizeof pidbuf, "%d", child);
  for (uint32_t i = from; i < plan->nops; i++) {
    const struct op *op = &plan->ops[i];
    switch (op->code) {
      case OP_UID_MAP: write_map(child, "uid_map", fstr(op, 0)); break;
      case OP_GID_MAP: write_map(child, "gid_map", fstr(op, 0)); break;
      case OP_CGROUP_JOIN:
        if (join_how(i) != JOIN_PARENT) break; /* done by the fork or the child itself */
        if (write_file(fstr(op, 0), pidbuf) < 0) {
          kill(child, SIGKILL);
          die_errno("join cgroup %s", fstr(op, 0));
        }
        break;
      case OP_MONITOR: monitor = 1; break;
      default: break;
    }
  }
  if (cgroup_join_opened(child) < 0) {
    kill(child, SIGKILL);
    die_errno("join the container's cgroups");
  }
  char line[48];
  snprintf(line, sizeof line, "pid %d\n", child);
  write_all(g_sync_out, line, strlen(line));
  write_all(release_fd, "1", 1);
  close(release_fd);
  close(g_sync_out);
  close(g_sync_in);
  g_sync_out = g_sync_in = -1;
  if (!monitor) _exit(0);
  /* `run` in the foreground: stay as the init's parent so its exit status can be reported;
   * signals sent to this process (or its process group, e.g. ^C) go to the container. */
  g_child = child;
  struct sigaction sa = {.sa_handler = forward};
  sigemptyset(&sa.sa_mask);
  int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) sigaction(sigs[i], &sa, NULL);
  int status;
  for (;;) {
    pid_t r = waitpid(child, &status, 0);
    if (r == child) break;
    if (r < 0 && errno != EINTR) _exit(255);
  }
  if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) _exit(128 + WTERMSIG(status));
  _exit(255);
}

void wait_release(int release_fd) {
  char c;
  ssize_t n;
  do n = read(release_fd, &c, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1) _exit(1); /* the parent failed and reported why */
  close(release_fd);
}

void op_unshare(const struct op *op) {
  if (unshare((int)fll(op, 0)) < 0) die_errno("unshare %#llx", fll(op, 0));
}

void op_userns_root(void) {
  if (setresgid(0, 0, 0) < 0) die_errno("setresgid 0 in the user namespace");
  if (setresuid(0, 0, 0) < 0) die_errno("setresuid 0 in the user namespace");
}
