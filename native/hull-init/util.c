#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int g_sync_out = -1;
int g_sync_in = -1;
int g_state_dir = -1;

static void report(const char *prefix, const char *msg) {
  char line[4096];
  int n = snprintf(line, sizeof line, "%s %s\n", prefix, msg);
  if (n < 0) return;
  if ((size_t)n >= sizeof line) n = sizeof line - 1, line[n - 1] = '\n';
  /* Newlines inside the message would split the line protocol. */
  for (int i = 0; i < n - 1; i++)
    if (line[i] == '\n') line[i] = ' ';
  if (g_sync_out >= 0)
    (void)!write(g_sync_out, line, (size_t)n);
  else if (strcmp(prefix, "warning") == 0)
    return; /* after `created` stderr is the container's: keep it clean */
  else {
    /* After `created` nobody reads the sync channel: `start` looks for this file instead. */
    if (g_state_dir >= 0) {
      int fd = openat(g_state_dir, "init.error", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
      if (fd >= 0) {
        (void)!write(fd, line + strlen(prefix) + 1, (size_t)n - strlen(prefix) - 1);
        close(fd);
      }
    }
    fprintf(stderr, "hull-init: %s", line + strlen(prefix) + 1);
  }
}

void die(const char *fmt, ...) {
  char msg[3072];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  report("error", msg);
  _exit(1);
}

void die_errno(const char *fmt, ...) {
  int e = errno;
  char msg[3072];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  char full[3200];
  snprintf(full, sizeof full, "%s: %s", msg, strerror(e));
  report("error", full);
  _exit(1);
}

void warnx_(const char *fmt, ...) {
  char msg[3072];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  report("warning", msg);
}

void *xmalloc(size_t n) {
  void *p = malloc(n);
  if (!p) die("out of memory");
  return p;
}

void *xrealloc(void *p, size_t n) {
  p = realloc(p, n);
  if (!p) die("out of memory");
  return p;
}

void write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die_errno("write");
    p += n;
    len -= (size_t)n;
  }
}

int write_file(const char *path, const char *data) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t len = strlen(data);
  ssize_t n = write(fd, data, len);
  int e = errno;
  close(fd);
  if (n < 0) {
    errno = e;
    return -1;
  }
  if ((size_t)n != len) {
    errno = EIO;
    return -1;
  }
  return 0;
}
