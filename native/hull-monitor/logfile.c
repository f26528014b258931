/*
 * The container's log, ctr.log in the container directory, in one of two formats:
 *
 *   json-file (docker's):  {"log":"hello\n","stream":"stdout","time":"2024-05-01T10:00:00.000000001Z"}
 *   k8s-file (the CRI's):  2024-05-01T10:00:00.000000001Z stdout F hello
 *
 * One entry per line of output. A read that ends in the middle of a line is written at once as a
 * partial entry (json-file: "log" without the trailing "\n", as docker does for lines longer than
 * its buffer; k8s-file: tag P), so `logs -f` shows a prompt without waiting for the newline.
 * Readers concatenate entries of one stream to get the bytes back.
 *
 * Rotation (docker's max-size/max-file): before an entry that would take the file past max_size,
 * ctr.log.N-1 -> ctr.log.N ... ctr.log -> ctr.log.1 and a new ctr.log is started; with one file
 * (max_files 1) the file is truncated instead. An entry larger than max_size is still written.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor.h"

#define READ_CHUNK 8192 /* main.c never hands more than this at once */

static int g_dirfd = -1;
static int g_fd = -1;
static enum log_driver g_driver;
static long long g_max;  /* bytes; 0: no cap */
static int g_files;      /* files kept, ctr.log included */
static long long g_size; /* bytes in ctr.log, pending included */
static int g_failed;
static char g_pending[64 * 1024];
static size_t g_plen;
/* One entry: a json-escaped line is at most 6 bytes per input byte (\u00XX). */
static char g_ent[READ_CHUNK * 6 + 128];

static int open_current(void) {
  g_fd = openat(g_dirfd, "ctr.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (g_fd < 0) return -1;
  struct stat st;
  g_size = fstat(g_fd, &st) == 0 ? st.st_size : 0;
  return 0;
}

void log_open(int dirfd, enum log_driver d, long long max_size, int max_files) {
  g_dirfd = dirfd;
  g_driver = d;
  g_max = max_size;
  g_files = max_files < 1 ? 1 : max_files;
  if (open_current() < 0) die("open ctr.log: %s", strerror(errno));
}

void log_flush(void) {
  if (!g_plen) return;
  if (g_fd >= 0 && write_all(g_fd, g_pending, g_plen) < 0 && !g_failed) {
    g_failed = 1; /* e.g. ENOSPC: keep serving the container, say it once */
    warnx_("write ctr.log: %s", strerror(errno));
  }
  g_plen = 0;
}

static void rotate(void) {
  log_flush();
  if (g_files <= 1) {
    if (ftruncate(g_fd, 0) == 0) g_size = 0;
    return;
  }
  char from[32], to[32];
  for (int i = g_files - 1; i >= 2; i--) {
    snprintf(from, sizeof from, "ctr.log.%d", i - 1);
    snprintf(to, sizeof to, "ctr.log.%d", i);
    renameat(g_dirfd, from, g_dirfd, to); /* ENOENT: fewer files so far */
  }
  renameat(g_dirfd, "ctr.log", g_dirfd, "ctr.log.1");
  close(g_fd);
  if (open_current() < 0 && !g_failed) {
    g_failed = 1;
    warnx_("open ctr.log after rotation: %s", strerror(errno));
  }
}

static void append(const char *ent, size_t len) {
  if (g_max > 0 && g_size > 0 && g_size + (long long)len > g_max) rotate();
  if (g_plen + len > sizeof g_pending) log_flush();
  memcpy(g_pending + g_plen, ent, len);
  g_plen += len;
  g_size += (long long)len;
}

static const char HEX[] = "0123456789abcdef";

/* JSON string body (RFC 8259 section 7): quote, backslash and control characters escaped. */
static size_t json_escape(char *out, const char *s, size_t n) {
  char *o = out;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      *o++ = '\\';
      *o++ = (char)c;
    } else if (c == '\n') {
      *o++ = '\\';
      *o++ = 'n';
    } else if (c == '\r') {
      *o++ = '\\';
      *o++ = 'r';
    } else if (c == '\t') {
      *o++ = '\\';
      *o++ = 't';
    } else if (c < 0x20) {
      memcpy(o, "\\u00", 4);
      o[4] = HEX[c >> 4];
      o[5] = HEX[c & 15];
      o += 6;
    } else {
      *o++ = (char)c;
    }
  }
  return (size_t)(o - out);
}

static void entry(const char *ts, int stream, const char *line, size_t n) {
  const char *name = stream == STREAM_STDERR ? "stderr" : "stdout";
  char *o = g_ent;
  if (g_driver == LOG_JSON_FILE) {
    memcpy(o, "{\"log\":\"", 8);
    o += 8;
    o += json_escape(o, line, n);
    o += sprintf(o, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n", name, ts);
  } else {
    /* CRI: TIMESTAMP STREAM TAG CONTENT, the content without its newline. */
    int full = n > 0 && line[n - 1] == '\n';
    o += sprintf(o, "%s %s %c ", ts, name, full ? 'F' : 'P');
    size_t body = full ? n - 1 : n;
    memcpy(o, line, body);
    o += body;
    *o++ = '\n';
  }
  append(g_ent, (size_t)(o - g_ent));
}

void log_write(int stream, const char *buf, size_t n) {
  char ts[32];
  now_rfc3339(ts);
  while (n) {
    if (n > READ_CHUNK) die("log_write: chunk of %zu bytes", n);
    const char *nl = memchr(buf, '\n', n);
    size_t len = nl ? (size_t)(nl - buf) + 1 : n;
    entry(ts, stream, buf, len);
    buf += len;
    n -= len;
  }
  log_flush();
}
