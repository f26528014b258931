/*
 * The sync channel to the runtime (docs/runtime-plan.md#sync): text lines on SYNC_OUT, replies
 * on SYNC_IN. And the exec fifo: opened (non-blocking, read side) before pivot_root while its
 * host path is reachable; `start` writes the state JSON into it and closes it, which is what
 * releases the container (runtime.md#start).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "init.h"
#include "util.h"

char *g_state = "";
static int g_fifo = -1;

void sync_send(const char *line) { write_all(g_sync_out, line, strlen(line)); }

static void read_exact(int fd, char *buf, size_t len) {
  while (len) {
    ssize_t n = read(fd, buf, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) die("sync: runtime went away");
    buf += n;
    len -= (size_t)n;
  }
}

/* "continue LEN\n" then LEN bytes of state JSON; "abort\n" means a runtime hook failed. */
void op_sync_hooks(void) {
  sync_send("hooks\n");
  char line[64];
  size_t i = 0;
  for (;;) {
    if (i == sizeof line - 1) die("sync: line too long");
    read_exact(g_sync_in, &line[i], 1);
    if (line[i] == '\n') break;
    i++;
  }
  line[i] = 0;
  if (strncmp(line, "continue ", 9) != 0) _exit(1); /* the runtime reports its own error */
  size_t len = strtoul(line + 9, NULL, 10);
  char *state = xmalloc(len + 1);
  read_exact(g_sync_in, state, len);
  state[len] = 0;
  g_state = state;
}

void op_created(void) {
  sync_send("created\n");
  close(g_sync_out);
  close(g_sync_in);
  g_sync_out = g_sync_in = -1;
}

void op_open_fifo(const struct op *op) {
  const char *path = fstr(op, 0);
  g_fifo = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (g_fifo < 0) die_errno("open exec fifo %s", path);
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  char *slash = strrchr(dir, '/');
  if (slash) *slash = 0;
  /* O_PATH and close-on-exec: never reaches the user process (CVE-2024-21626). */
  g_state_dir = open(slash ? dir : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
}

void fifo_close(void) {
  if (g_fifo >= 0) close(g_fifo);
  if (g_state_dir >= 0) close(g_state_dir);
  g_fifo = g_state_dir = -1;
}

/*
 * A fifo read end with no writer yet reports neither POLLIN nor POLLHUP (pipe_poll only
 * reports hang-up once a writer has come and gone), so poll blocks until `start`.
 */
void op_wait_start(void) {
  size_t cap = 4096, len = 0;
  char *buf = xmalloc(cap);
  for (;;) {
    struct pollfd pfd = {.fd = g_fifo, .events = POLLIN};
    if (poll(&pfd, 1, -1) < 0) {
      if (errno == EINTR) continue;
      die_errno("poll exec fifo");
    }
    if (len + 1 >= cap) buf = xrealloc(buf, cap *= 2);
    ssize_t n = read(g_fifo, buf + len, cap - len - 1);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n < 0) die_errno("read exec fifo");
    if (n == 0) break;
    len += (size_t)n;
  }
  buf[len] = 0;
  close(g_fifo);
  g_fifo = -1;
  if (len) g_state = buf;
}
