/*
 * hull-init: executes a container plan (docs/runtime-plan.md). Usage, by the runtime only:
 *   hull-init PLAN_FD SYNC_OUT_FD SYNC_IN_FD
 * It reads the whole plan, runs the ops before `clone` itself, forks the container's init into
 * its new namespaces, does the parent-side ops for it (id maps, cgroups), reports its pid, and
 * exits (or, with `monitor`, waits and exits with its status). The child runs the rest.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "init.h"
#include "util.h"

static int parse_fd(const char *s) {
  char *end;
  long v = strtol(s, &end, 10);
  if (*end || v < 0 || v > 1 << 20) die("bad fd argument %s", s);
  return (int)v;
}

static void run_child_op(const struct op *op) {
  switch (op->code) {
    case OP_UID_MAP:
    case OP_GID_MAP:
    case OP_CGROUP_JOIN:
    case OP_MONITOR:
    case OP_CONSOLE_SOCKET:
    case OP_CGROUP_OPEN:
    case OP_TIMENS:
    case OP_IDMAP_MOUNT:
    case OP_OPEN_FIFO:
      return; /* done by the parent */
    case OP_CPU_AFFINITY: op_cpu_affinity(op); return;
    case OP_MOUNT_FD: op_mount_fd(op); return;
    case OP_PERSONALITY: op_personality(op); return;
    case OP_IOPRIO: op_ioprio(op); return;
    case OP_SCHEDULER: op_scheduler(op); return;
    case OP_SESSION_KEYRING: op_session_keyring(op); return;
    case OP_APPARMOR: op_apparmor(op); return;
    case OP_CONSOLE: op_console(op); return;
    case OP_UNSHARE: op_unshare(op); return;
    case OP_SETSID:
      if (setsid() < 0) die_errno("setsid");
      return;
    case OP_USERNS_ROOT: op_userns_root(); return;
    case OP_ROOT_PROPAGATION: op_root_propagation(op); return;
    case OP_BIND_ROOTFS: op_bind_rootfs(op); return;
    case OP_MOUNT: op_mount(op); return;
    case OP_MKNOD: op_mknod(op); return;
    case OP_SYMLINK: op_symlink(op); return;
    case OP_SECCOMP_LISTENER: op_seccomp_listener(op); return;
    case OP_SYNC_HOOKS: op_sync_hooks(); return;
    case OP_HOOK: op_hook(op); return;
    case OP_PIVOT_ROOT: op_pivot_root(); return;
    case OP_MOVE_ROOT: op_move_root(); return;
    case OP_MASK: op_mask(op); return;
    case OP_READONLY: op_readonly(op); return;
    case OP_READONLY_ROOT: op_readonly_root(); return;
    case OP_SYSCTL: op_sysctl(op); return;
    case OP_HOSTNAME: op_hostname(op, 0); return;
    case OP_DOMAINNAME: op_hostname(op, 1); return;
    case OP_RLIMIT: op_rlimit(op); return;
    case OP_OOM_SCORE_ADJ: op_oom_score_adj(op); return;
    case OP_NO_NEW_PRIVS: op_no_new_privs(); return;
    case OP_SECCOMP_INIT: op_seccomp_init(op); return;
    case OP_SECCOMP_ARCH: op_seccomp_arch(op); return;
    case OP_SECCOMP_RULE: op_seccomp_rule(op); return;
    case OP_SECCOMP_LOAD: op_seccomp_load(op); return;
    case OP_CAPBSET: op_capbset(op); return;
    case OP_SETUSER: op_setuser(op); return;
    case OP_CAPSET: op_capset(op); return;
    case OP_AMBIENT: op_ambient(op); return;
    case OP_UMASK: op_umask(op); return;
    case OP_CHDIR: op_chdir(op); return;
    case OP_CLOSE_FDS: op_close_fds(op); return;
    case OP_RESOLVE_EXEC: op_resolve_exec(op); return;
    case OP_CREATED: op_created(); return;
    case OP_WAIT_START: op_wait_start(); return;
    case OP_EXEC: op_exec(op); return;
    default: die("plan: unknown op %u", op->code);
  }
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "hull-init is started by hull-runtime, not by hand\n");
    return 2;
  }
  ensure_cloned_binary(argv);
  int plan_fd = parse_fd(argv[1]);
  g_sync_out = parse_fd(argv[2]);
  g_sync_in = parse_fd(argv[3]);
  /* Modes in the plan are exact: mknod and mkdir must not be filtered by the runtime's umask. */
  umask(0);
  caps_init();

  struct plan plan;
  plan_read(plan_fd, &plan);
  close(plan_fd);

  uint32_t i = 0;
  for (; i < plan.nops; i++) {
    const struct op *op = &plan.ops[i];
    if (op->code == OP_SETNS) {
      op_setns(op);
      continue;
    }
    if (op->code == OP_CONSOLE_SOCKET) {
      op_console_socket(op);
      continue;
    }
    if (op->code == OP_CGROUP_OPEN) {
      op_cgroup_open(op);
      continue;
    }
    if (op->code == OP_OPEN_FIFO) {
      op_open_fifo(op);
      continue;
    }
    if (op->code == OP_TIMENS) {
      op_timens(op);
      continue;
    }
    if (op->code == OP_CPU_AFFINITY) {
      op_cpu_affinity(op);
      continue;
    }
    if (op->code == OP_IDMAP_MOUNT) {
      op_idmap_mount(op);
      continue;
    }
    if (op->code != OP_CLONE) die("plan: op %u before clone", op->code);
    int release_fd;
    cgroup_prepare(&plan, i + 1, (unsigned long)fll(op, 0));
    pid_t child = op_clone(op, &release_fd);
    if (child > 0) parent_ops(&plan, i + 1, child, release_fd); /* never returns */
    wait_release(release_fd);
    cgroup_self_join();
    i++;
    break;
  }
  for (; i < plan.nops; i++) run_child_op(&plan.ops[i]);
  die("plan ended without exec");
}
