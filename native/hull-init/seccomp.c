/*
 * config-linux.md#seccomp with libseccomp. The filter is built op by op (init, architectures,
 * rules) and loaded where the plan says: before the capability drop without no_new_privs (the
 * kernel then requires CAP_SYS_ADMIN), last before execve with it. Unknown syscall names and
 * architectures are skipped, as runc does, so one profile serves several kernels. With
 * SCMP_ACT_NOTIFY the listener fd goes to listenerPath with the container process state
 * (config-linux.md#the-container-process-state) over SCM_RIGHTS.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "init.h"
#include "util.h"

static scmp_filter_ctx g_ctx;
static uint32_t g_default;
static int g_listener = -1;

static void attr(enum scmp_filter_attr a, uint32_t v, const char *name) {
  int r = seccomp_attr_set(g_ctx, a, v);
  if (r < 0) die("seccomp: flag %s: %s", name, strerror(-r));
}

void op_seccomp_init(const struct op *op) {
  g_default = (uint32_t)full(op, 0);
  g_ctx = seccomp_init(g_default);
  if (!g_ctx) die("seccomp_init failed");
  /* libseccomp would set no_new_privs itself; whether to is config.md's noNewPrivileges. */
  attr(SCMP_FLTATR_CTL_NNP, 0, "nnp");
  for (uint32_t i = 1; i < op->nfields; i++) {
    const char *f = op->fields[i];
    if (!strcmp(f, "SECCOMP_FILTER_FLAG_TSYNC")) attr(SCMP_FLTATR_CTL_TSYNC, 1, f);
    else if (!strcmp(f, "SECCOMP_FILTER_FLAG_LOG")) attr(SCMP_FLTATR_CTL_LOG, 1, f);
    else if (!strcmp(f, "SECCOMP_FILTER_FLAG_SPEC_ALLOW")) attr(SCMP_FLTATR_CTL_SSB, 1, f);
#ifdef SCMP_FLTATR_CTL_WAITKILL
    else if (!strcmp(f, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")) attr(SCMP_FLTATR_CTL_WAITKILL, 1, f);
#endif
    else die("seccomp: flag %s is not supported by this libseccomp", f);
  }
}

void op_seccomp_arch(const struct op *op) {
  const char *name = fstr(op, 0);
  uint32_t arch = seccomp_arch_resolve_name(name);
  if (!arch) {
    warnx_("seccomp: architecture %s unknown to libseccomp, skipped", name);
    return;
  }
  int r = seccomp_arch_add(g_ctx, arch);
  if (r < 0 && r != -EEXIST) die("seccomp: add architecture %s: %s", name, strerror(-r));
}

void op_seccomp_rule(const struct op *op) {
  const char *name = fstr(op, 0);
  uint32_t action = (uint32_t)full(op, 1);
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR) return; /* not a syscall of this kernel/libseccomp */
  if (action == g_default) return;   /* libseccomp refuses rules that repeat the default */
  unsigned n = (op->nfields - 2) / 4;
  struct scmp_arg_cmp args[6];
  if (n > 6) die("seccomp: %s: more than 6 argument conditions", name);
  for (unsigned i = 0; i < n; i++) {
    args[i] = (struct scmp_arg_cmp){
        .arg = (unsigned)fll(op, 2 + 4 * i),
        .op = (enum scmp_compare)fll(op, 3 + 4 * i),
        .datum_a = full(op, 4 + 4 * i),
        .datum_b = full(op, 5 + 4 * i),
    };
  }
  int r = seccomp_rule_add_array(g_ctx, action, nr, n, args);
  if (r < 0) die("seccomp: rule for %s: %s", name, strerror(-r));
}

void op_seccomp_listener(const struct op *op) {
  const char *path = fstr(op, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof sa.sun_path) die("seccomp listenerPath %s too long", path);
  strcpy(sa.sun_path, path);
  g_listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (g_listener < 0 || connect(g_listener, (struct sockaddr *)&sa, sizeof sa) < 0)
    die_errno("connect to seccomp listenerPath %s", path);
}

static void send_listener(int fd, const char *metadata) {
  const char *p = strstr(g_state, "\"pid\":");
  int pid = p ? atoi(p + 6) : 0;
  size_t len = strlen(g_state) + strlen(metadata) + 128;
  char *msg = xmalloc(len);
  int n = snprintf(msg, len, "{\"ociVersion\":\"1.3.0\",\"fds\":[\"seccompFd\"],\"pid\":%d,\"metadata\":%s,\"state\":%s}",
                   pid, *metadata ? metadata : "\"\"", *g_state ? g_state : "{}");
  struct iovec iov = {.iov_base = msg, .iov_len = (size_t)n};
  char cbuf[CMSG_SPACE(sizeof(int))] = {0};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  if (sendmsg(g_listener, &mh, 0) < 0) die_errno("send seccomp fd to listenerPath");
  close(g_listener);
  close(fd);
  free(msg);
}

void op_seccomp_load(const struct op *op) {
  int r = seccomp_load(g_ctx);
  if (r < 0) die("seccomp_load: %s", strerror(-r));
  if (g_listener >= 0) {
    int fd = seccomp_notify_fd(g_ctx);
    if (fd < 0) die("seccomp: no notify fd");
    send_listener(fd, fstr(op, 1));
  }
  seccomp_release(g_ctx);
  g_ctx = NULL;
}
