/*
 * createContainer and startContainer hooks (config.md#posix-platform-hooks) run by hull-init,
 * because they run in the container's namespaces: the state JSON on stdin, `timeout` seconds
 * honoured (the hook is killed and that is a failure), a non-zero exit a failure
 * (runtime.md#lifecycle steps 5 and 7: the runtime MUST generate an error and stop).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "init.h"
#include "util.h"

void op_hook(const struct op *op) {
  const char *path = fstr(op, 0);
  long long timeout = fll(op, 1);
  uint32_t nargs = (uint32_t)fll(op, 2);
  if (3 + nargs > op->nfields) die("plan: hook %s: bad argument count", path);
  char **argv = xmalloc(sizeof(char *) * (nargs + 1));
  for (uint32_t i = 0; i < nargs; i++) argv[i] = op->fields[3 + i];
  argv[nargs] = NULL;
  char **envp = &op->fields[3 + nargs]; /* NULL-terminated by plan_read */

  int in[2];
  if (pipe2(in, O_CLOEXEC) < 0) die_errno("pipe");
  pid_t pid = fork();
  if (pid < 0) die_errno("fork hook");
  if (pid == 0) {
    if (dup2(in[0], 0) < 0) _exit(127);
    execve(path, argv, envp);
    _exit(127);
  }
  close(in[0]);
  /* A hook that does not read stdin must not block us: ignore EPIPE. */
  signal(SIGPIPE, SIG_IGN);
  size_t len = strlen(g_state);
  const char *p = g_state;
  while (len) {
    ssize_t n = write(in[1], p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    p += n;
    len -= (size_t)n;
  }
  close(in[1]);
  signal(SIGPIPE, SIG_DFL);

  int status;
  if (timeout > 0) {
    int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pfd < 0) die_errno("pidfd_open");
    struct pollfd pl = {.fd = pfd, .events = POLLIN};
    int r;
    do r = poll(&pl, 1, (int)(timeout * 1000));
    while (r < 0 && errno == EINTR);
    close(pfd);
    if (r == 0) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      die("hook %s timed out after %llds", path, timeout);
    }
  }
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) die_errno("wait hook %s", path);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127) die("hook %s could not be executed", path);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    die("hook %s failed (%s %d)", path, WIFEXITED(status) ? "exit status" : "signal",
        WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
  free(argv);
}
