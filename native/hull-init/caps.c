/*
 * Capabilities (config.md#linux-process, capabilities(7)) and the switch to the container's user
 * (config.md#posix-platform-user). Order matters: the bounding set is dropped while CAP_SETPCAP
 * is held; PR_SET_KEEPCAPS keeps permitted across setuid; then capset(2) sets effective,
 * permitted and inheritable; ambient last (it needs permitted and inheritable).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init.h"
#include "util.h"

static int g_last_cap = 40;

/* Read while the host's /proc is still there (the container's might be masked or absent). */
void caps_init(void) {
  FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
  if (!f) return;
  if (fscanf(f, "%d", &g_last_cap) != 1) g_last_cap = 40;
  fclose(f);
}

void op_capbset(const struct op *op) {
  unsigned long long keep = full(op, 0);
  for (int c = 0; c <= g_last_cap; c++) {
    if (keep & (1ULL << c)) continue;
    if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL) die_errno("drop capability %d from the bounding set", c);
  }
}

void op_setuser(const struct op *op) {
  uid_t uid = (uid_t)fll(op, 0);
  gid_t gid = (gid_t)fll(op, 1);
  size_t n = op->nfields - 2;
  gid_t *groups = xmalloc(sizeof(gid_t) * (n ? n : 1));
  for (size_t i = 0; i < n; i++) groups[i] = (gid_t)fll(op, (uint32_t)(2 + i));
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) die_errno("keepcaps");
  /* additionalGids replace whatever groups the runtime had (config.md#posix-platform-user). */
  if (setgroups(n, groups) < 0) die_errno("setgroups");
  if (setresgid(gid, gid, gid) < 0) die_errno("setgid %u", gid);
  if (setresuid(uid, uid, uid) < 0) die_errno("setuid %u", uid);
  free(groups);
}

void op_capset(const struct op *op) {
  unsigned long long eff = full(op, 0), perm = full(op, 1), inh = full(op, 2);
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2] = {
      {.effective = (uint32_t)eff, .permitted = (uint32_t)perm, .inheritable = (uint32_t)inh},
      {.effective = (uint32_t)(eff >> 32), .permitted = (uint32_t)(perm >> 32), .inheritable = (uint32_t)(inh >> 32)},
  };
  if (syscall(SYS_capset, &hdr, data) < 0) die_errno("capset");
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) die_errno("keepcaps off");
}

void op_ambient(const struct op *op) {
  unsigned long long caps = full(op, 0);
  for (int c = 0; c <= g_last_cap; c++) {
    if (!(caps & (1ULL << c))) continue;
    /* Like runc: a capability missing from permitted or inheritable is only a warning. */
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0) warnx_("cannot raise ambient capability %d: %m", c);
  }
}
