/* Small helpers: diagnostics, full writes, timestamps, atomic files. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "monitor.h"

/* fd 2 is the creator's stderr until the create command has exited, /dev/null afterwards. */
static void vreport(const char *fmt, va_list ap) {
  char line[1024];
  int n = snprintf(line, sizeof line, "hull-monitor: ");
  int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
  if (m < 0) return;
  n += m;
  if (n > (int)sizeof line - 2) n = (int)sizeof line - 2;
  line[n++] = '\n';
  (void)!write(2, line, (size_t)n);
}

void warnx_(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vreport(fmt, ap);
  va_end(ap);
}

void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vreport(fmt, ap);
  va_end(ap);
  _exit(125);
}

int write_all(int fd, const void *buf, size_t n) {
  const char *p = buf;
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static void put2(char *p, int v) {
  p[0] = (char)('0' + v / 10);
  p[1] = (char)('0' + v % 10);
}

void now_rfc3339(char out[32]) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  struct tm tm;
  gmtime_r(&ts.tv_sec, &tm);
  int y = tm.tm_year + 1900;
  out[0] = (char)('0' + y / 1000 % 10);
  out[1] = (char)('0' + y / 100 % 10);
  put2(out + 2, y % 100);
  out[4] = '-';
  put2(out + 5, tm.tm_mon + 1);
  out[7] = '-';
  put2(out + 8, tm.tm_mday);
  out[10] = 'T';
  put2(out + 11, tm.tm_hour);
  out[13] = ':';
  put2(out + 14, tm.tm_min);
  out[16] = ':';
  put2(out + 17, tm.tm_sec);
  out[19] = '.';
  long ns = ts.tv_nsec;
  for (int i = 28; i >= 20; i--) {
    out[i] = (char)('0' + ns % 10);
    ns /= 10;
  }
  out[29] = 'Z';
  out[30] = 0;
}

int write_file_atomic(int dirfd, const char *name, const char *data, size_t n) {
  char tmp[64];
  snprintf(tmp, sizeof tmp, "%s.tmp", name);
  int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return -1;
  if (write_all(fd, data, n) < 0) {
    close(fd);
    unlinkat(dirfd, tmp, 0);
    return -1;
  }
  close(fd);
  if (renameat(dirfd, tmp, dirfd, name) < 0) {
    unlinkat(dirfd, tmp, 0);
    return -1;
  }
  return 0;
}

int proc_path(char *out, size_t size, int dirfd, const char *name) {
  int n = snprintf(out, size, "/proc/self/fd/%d/%s", dirfd, name);
  return n < 0 || (size_t)n >= size ? -1 : 0;
}

int set_nonblock(int fd) {
  int fl = fcntl(fd, F_GETFL);
  return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}
