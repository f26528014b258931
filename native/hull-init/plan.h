/*
 * The plan hull-init executes, as written by src/runtime/plan/encode.ts. The encoding and every
 * op are documented in docs/runtime-plan.md; the op codes MUST match src/runtime/plan/ops.ts.
 */
#ifndef HULL_PLAN_H
#define HULL_PLAN_H

#include <stddef.h>
#include <stdint.h>

enum op_code {
  OP_SETNS = 1,
  OP_CLONE = 2,
  OP_UID_MAP = 3,
  OP_GID_MAP = 4,
  OP_CGROUP_JOIN = 5,
  OP_MONITOR = 6,
  OP_CONSOLE_SOCKET = 7,
  OP_CGROUP_OPEN = 8,
  OP_TIMENS = 9,
  OP_CPU_AFFINITY = 13,
  OP_IDMAP_MOUNT = 14,
  OP_UNSHARE = 10,
  OP_SETSID = 11,
  OP_USERNS_ROOT = 12,
  OP_ROOT_PROPAGATION = 20,
  OP_BIND_ROOTFS = 21,
  OP_MOUNT = 22,
  OP_MKNOD = 23,
  OP_SYMLINK = 24,
  OP_OPEN_FIFO = 25,
  OP_SECCOMP_LISTENER = 26,
  OP_MOUNT_FD = 27,
  OP_SYNC_HOOKS = 30,
  OP_HOOK = 31,
  OP_PIVOT_ROOT = 40,
  OP_MOVE_ROOT = 41,
  OP_MASK = 42,
  OP_READONLY = 43,
  OP_READONLY_ROOT = 44,
  OP_SYSCTL = 50,
  OP_HOSTNAME = 51,
  OP_DOMAINNAME = 52,
  OP_RLIMIT = 53,
  OP_OOM_SCORE_ADJ = 54,
  OP_NO_NEW_PRIVS = 55,
  OP_SECCOMP_INIT = 56,
  OP_SECCOMP_ARCH = 57,
  OP_SECCOMP_RULE = 58,
  OP_SECCOMP_LOAD = 59,
  OP_CAPBSET = 60,
  OP_SETUSER = 61,
  OP_CAPSET = 62,
  OP_AMBIENT = 63,
  OP_UMASK = 64,
  OP_CHDIR = 65,
  OP_CLOSE_FDS = 66,
  OP_RESOLVE_EXEC = 67,
  OP_CREATED = 68,
  OP_WAIT_START = 69,
  OP_EXEC = 70,
  OP_CONSOLE = 71,
  OP_PERSONALITY = 72,
  OP_IOPRIO = 73,
  OP_SCHEDULER = 74,
  OP_SESSION_KEYRING = 75,
  OP_APPARMOR = 76,
};

struct op {
  uint32_t code;
  uint32_t nfields;
  /* Each field NUL-terminated (the encoder refuses NUL bytes inside fields). */
  char **fields;
};

struct plan {
  uint32_t nops;
  struct op *ops;
};

/* Reads the whole plan from fd until EOF; dies with a message on a malformed plan. */
void plan_read(int fd, struct plan *plan);

/* Field i as a string / number; dies when the op has fewer fields. */
const char *fstr(const struct op *op, uint32_t i);
long long fll(const struct op *op, uint32_t i);
unsigned long long full(const struct op *op, uint32_t i);

#endif
