/*
 * The process's environment as config.md#process describes it: sysctls (config-linux.md#sysctl),
 * hostname/domainname, rlimits, oom_score_adj, no_new_privs, umask, cwd; closing leaked fds
 * (CVE-2024-21626: nothing of the host may survive into the container, least of all as cwd);
 * finding argv[0] on the container's PATH; execve.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "init.h"
#include "util.h"

static char g_exec_path[PATH_MAX];

void op_sysctl(const struct op *op) {
  const char *key = fstr(op, 0);
  char path[PATH_MAX];
  int n = snprintf(path, sizeof path, "/proc/sys/%s", key);
  if (n < 0 || (size_t)n >= sizeof path) die("sysctl %s: name too long", key);
  for (char *c = path + 10; *c; c++)
    if (*c == '.') *c = '/';
  if (strstr(path, "..")) die("sysctl %s: bad name", key);
  if (write_file(path, fstr(op, 1)) < 0) die_errno("sysctl %s=%s", key, fstr(op, 1));
}

void op_hostname(const struct op *op, int domain) {
  const char *name = fstr(op, 0);
  int r = domain ? setdomainname(name, strlen(name)) : sethostname(name, strlen(name));
  if (r < 0) die_errno("set %s %s", domain ? "domainname" : "hostname", name);
}

void op_rlimit(const struct op *op) {
  struct rlimit rl = {.rlim_cur = (rlim_t)full(op, 1), .rlim_max = (rlim_t)full(op, 2)};
  if (setrlimit((int)fll(op, 0), &rl) < 0) die_errno("setrlimit %lld", fll(op, 0));
}

void op_oom_score_adj(const struct op *op) {
  if (write_file("/proc/self/oom_score_adj", fstr(op, 0)) < 0) die_errno("oom_score_adj %s", fstr(op, 0));
}

void op_no_new_privs(void) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) die_errno("no_new_privs");
}

void op_umask(const struct op *op) { umask((mode_t)fll(op, 0)); }

void op_chdir(const struct op *op) {
  const char *cwd = fstr(op, 0);
  if (chdir(cwd) < 0) die_errno("chdir %s", cwd);
  /* CVE-2024-21626: a cwd outside the container's root reads back as "(unreachable)...". */
  char buf[PATH_MAX];
  if (!getcwd(buf, sizeof buf) || buf[0] != '/') die("cwd %s is outside the container", cwd);
}

void op_close_fds(const struct op *op) {
  unsigned from = (unsigned)fll(op, 0);
  if (syscall(SYS_close_range, from, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
  /* Older kernels: walk /proc/self/fd. */
  DIR *d = opendir("/proc/self/fd");
  if (!d) die_errno("list fds");
  struct dirent *e;
  while ((e = readdir(d))) {
    int fd = atoi(e->d_name);
    if (fd >= (int)from && fd != dirfd(d)) fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  closedir(d);
}

/* Leaves errno as execve would report it (ENOENT, or EACCES for a directory or a file without
 * the x bit), so engines can tell "not found" (docker's 127) from "cannot execute" (126). */
static int executable(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) return 0;
  if (!S_ISREG(st.st_mode)) {
    errno = EACCES;
    return 0;
  }
  return access(path, X_OK) == 0;
}

void op_resolve_exec(const struct op *op) {
  const char *name = fstr(op, 0), *path = fstr(op, 1);
  if (strchr(name, '/')) {
    if (!executable(name)) die_errno("exec: %s", name);
    snprintf(g_exec_path, sizeof g_exec_path, "%s", name);
    return;
  }
  const char *p = path;
  while (*p || p == path) {
    const char *colon = strchr(p, ':');
    size_t len = colon ? (size_t)(colon - p) : strlen(p);
    int n = len ? snprintf(g_exec_path, sizeof g_exec_path, "%.*s/%s", (int)len, p, name)
                : snprintf(g_exec_path, sizeof g_exec_path, "%s", name);
    if (n > 0 && (size_t)n < sizeof g_exec_path && executable(g_exec_path)) return;
    if (!colon) break;
    p = colon + 1;
  }
  die("exec: \"%s\": executable file not found in $PATH", name);
}

void op_exec(const struct op *op) {
  uint32_t nargs = (uint32_t)fll(op, 0);
  if (1 + nargs > op->nfields || nargs == 0) die("plan: exec: bad argument count");
  char **argv = xmalloc(sizeof(char *) * (nargs + 1));
  for (uint32_t i = 0; i < nargs; i++) argv[i] = op->fields[1 + i];
  argv[nargs] = NULL;
  char **envp = &op->fields[1 + nargs]; /* NULL-terminated by plan_read */
  const char *file = g_exec_path[0] ? g_exec_path : argv[0];
  execve(file, argv, envp);
  die_errno("exec %s", file);
}
