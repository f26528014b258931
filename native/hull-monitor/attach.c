/*
 * Attach: a unix stream socket, `attach` in the container directory. Every byte of output
 * read after a client connected is sent to it as a frame (1 byte stream: 1 stdout, 2 stderr;
 * 4 bytes big-endian length; the bytes). Clients send frames the other way: type 0 carries
 * bytes for the container's stdin, type 3 closes it, type 4 makes the client the owner (the
 * handover at the exit: attach_handover). Output read before a client connected
 * went to the log only: the engine attaches between create and start, so it misses nothing.
 *
 * A client that cannot take output for ATTACH_STALL_MS is dropped rather than left to stall
 * the container (docker blocks; a dead `hull attach` must not stop the log).
 *
 * The ctl fifo (`ctl`) takes text lines; `resize ROWS COLS` sets the pty's window size.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "monitor.h"

#define MAX_CLIENTS 16
#define ATTACH_STALL_MS 10000
/* How long an owner may stay silent while it releases the container before the monitor gives
 * up on it and runs the exit command after all (which is idempotent). */
#define OWNER_WAIT_MS 60000

struct client {
  int fd;
  unsigned char hdr[FRAME_HDR];
  int hdr_got;
  unsigned int remaining; /* payload bytes of the current frame still to read */
  int type;
  int owner; /* said FRAME_OWNER: gets the handover at the exit */
};

static int g_listen = -1;
static struct client g_clients[MAX_CLIENTS];
static int g_nclients;

static int g_stdin = -1;
static char g_inbuf[32 * 1024];
static size_t g_in_len, g_in_off;
static int g_close_stdin; /* a client asked; done once g_inbuf is written */

void attach_listen(int dirfd) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (proc_path(sa.sun_path, sizeof sa.sun_path, dirfd, "attach") < 0) die("attach socket path too long");
  unlinkat(dirfd, "attach", 0);
  g_listen = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (g_listen < 0) die("attach socket: %s", strerror(errno));
  if (bind(g_listen, (struct sockaddr *)&sa, sizeof sa) < 0) die("bind attach socket: %s", strerror(errno));
  if (listen(g_listen, MAX_CLIENTS) < 0) die("listen on attach socket: %s", strerror(errno));
}

int attach_listen_fd(void) { return g_listen; }

void attach_accept(void) {
  for (;;) {
    int c = accept4(g_listen, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (c < 0) return;
    if (g_nclients == MAX_CLIENTS) {
      close(c);
      continue;
    }
    g_clients[g_nclients++] = (struct client){.fd = c};
  }
}

static void drop(int i) {
  close(g_clients[i].fd);
  g_clients[i] = g_clients[--g_nclients];
}

/* Send all of buf, waiting (bounded) for a slow reader. */
static int send_all(int fd, const char *buf, size_t n) {
  while (n) {
    ssize_t w = send(fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN) return -1;
      struct pollfd p = {.fd = fd, .events = POLLOUT};
      int r = poll(&p, 1, ATTACH_STALL_MS);
      if (r <= 0 && !(r < 0 && errno == EINTR)) return -1;
      continue;
    }
    buf += w;
    n -= (size_t)w;
  }
  return 0;
}

void attach_broadcast(int stream, const char *buf, size_t n) {
  unsigned char hdr[FRAME_HDR] = {(unsigned char)(stream == STREAM_STDERR ? FRAME_STDERR : FRAME_STDOUT),
                                  (unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8),
                                  (unsigned char)n};
  for (int i = 0; i < g_nclients;) {
    int fd = g_clients[i].fd;
    if (send_all(fd, (const char *)hdr, sizeof hdr) < 0 || send_all(fd, buf, n) < 0)
      drop(i);
    else
      i++;
  }
}

void attach_close_all(void) {
  while (g_nclients) {
    shutdown(g_clients[0].fd, SHUT_RDWR);
    drop(0);
  }
  if (g_listen >= 0) close(g_listen);
  g_listen = -1;
}

int attach_take_owner(void) {
  for (int i = 0; i < g_nclients; i++) {
    if (!g_clients[i].owner) continue;
    int fd = g_clients[i].fd;
    g_clients[i] = g_clients[--g_nclients];
    return fd;
  }
  return -1;
}

/*
 * The foreground `hull run` removes its container itself once it exits; the exit command
 * (a second hull process) would only find nothing to do. It is still the fallback: an owner
 * that goes away, or stays silent for OWNER_WAIT_MS, without saying DONE gets it run.
 */
int attach_handover(int fd, const char *line, size_t n) {
  unsigned char hdr[FRAME_HDR] = {FRAME_EXIT, (unsigned char)(n >> 24), (unsigned char)(n >> 16),
                                  (unsigned char)(n >> 8), (unsigned char)n};
  int done = 0;
  if (send_all(fd, (const char *)hdr, sizeof hdr) == 0 && send_all(fd, line, n) == 0) {
    unsigned char h[FRAME_HDR];
    int got = 0;
    unsigned remaining = 0;
    while (!done) {
      struct pollfd p = {.fd = fd, .events = POLLIN};
      int r = poll(&p, 1, OWNER_WAIT_MS);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      ssize_t k = read(fd, g_inbuf, sizeof g_inbuf);
      if (k < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (k <= 0) break;
      /* Frames other than DONE (late stdin) are skipped. */
      for (ssize_t i = 0; i < k && !done; i++) {
        if (remaining) {
          remaining--;
          continue;
        }
        h[got++] = (unsigned char)g_inbuf[i];
        if (got < FRAME_HDR) continue;
        got = 0;
        remaining = (unsigned)h[1] << 24 | (unsigned)h[2] << 16 | (unsigned)h[3] << 8 | h[4];
        if (h[0] == FRAME_DONE) done = 1;
      }
    }
  }
  close(fd);
  return done;
}

void stdin_set_fd(int fd) { g_stdin = fd; }
int stdin_fd(void) { return g_stdin; }
int stdin_pending(void) { return g_in_len > g_in_off; }

static void close_stdin(void) {
  if (g_stdin >= 0) close(g_stdin);
  g_stdin = -1;
  g_in_len = g_in_off = 0;
}

void stdin_flush(void) {
  while (g_stdin >= 0 && g_in_len > g_in_off) {
    ssize_t w = write(g_stdin, g_inbuf + g_in_off, g_in_len - g_in_off);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return; /* the loop polls for POLLOUT */
      close_stdin();               /* EPIPE: the container closed its stdin */
      return;
    }
    g_in_off += (size_t)w;
  }
  g_in_len = g_in_off = 0;
  if (g_close_stdin) close_stdin();
}

int attach_pollfds(struct pollfd *p, int max) {
  if (stdin_pending()) return 0; /* back-pressure: read no more input until it is written */
  int n = 0;
  for (int i = 0; i < g_nclients && n < max; i++) p[n++] = (struct pollfd){.fd = g_clients[i].fd, .events = POLLIN};
  return n;
}

static void client_read(int i) {
  struct client *c = &g_clients[i];
  if (stdin_pending()) return; /* another client's input is still being written */
  if (c->hdr_got < FRAME_HDR) {
    ssize_t r = read(c->fd, c->hdr + c->hdr_got, (size_t)(FRAME_HDR - c->hdr_got));
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
      drop(i);
      return;
    }
    if (r < 0) return;
    c->hdr_got += (int)r;
    if (c->hdr_got < FRAME_HDR) return;
    c->type = c->hdr[0];
    c->remaining = (unsigned)c->hdr[1] << 24 | (unsigned)c->hdr[2] << 16 | (unsigned)c->hdr[3] << 8 | c->hdr[4];
    if (c->type == FRAME_STDIN_CLOSE) g_close_stdin = 1;
    if (c->type == FRAME_OWNER) c->owner = 1;
    if (!c->remaining) {
      c->hdr_got = 0;
      stdin_flush();
    }
    return;
  }
  size_t want = c->remaining < sizeof g_inbuf ? c->remaining : sizeof g_inbuf;
  ssize_t r = read(c->fd, g_inbuf, want);
  if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
    drop(i);
    return;
  }
  if (r < 0) return;
  c->remaining -= (unsigned)r;
  if (!c->remaining) c->hdr_got = 0;
  /* Unknown frame types and input without --stdin are read and dropped. */
  if (c->type == FRAME_STDIN && g_stdin >= 0) {
    g_in_off = 0;
    g_in_len = (size_t)r;
  }
  stdin_flush();
}

void attach_client_ready(int fd, short revents) {
  for (int i = 0; i < g_nclients; i++) {
    if (g_clients[i].fd != fd) continue;
    if (revents & POLLIN)
      client_read(i);
    else if (revents & (POLLHUP | POLLERR | POLLNVAL))
      drop(i);
    return;
  }
}

static int g_ctl = -1;
static char g_ctlbuf[256];
static size_t g_ctllen;

void ctl_open(int dirfd) {
  unlinkat(dirfd, "ctl", 0);
  if (mkfifoat(dirfd, "ctl", 0600) < 0) die("mkfifo ctl: %s", strerror(errno));
  /* Read-write: the fifo then never reports EOF when a writer goes away. */
  g_ctl = openat(dirfd, "ctl", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (g_ctl < 0) die("open ctl: %s", strerror(errno));
}

int ctl_fd(void) { return g_ctl; }

static void ctl_line(char *line, int master) {
  unsigned rows, cols;
  if (sscanf(line, "resize %u %u", &rows, &cols) == 2) {
    if (master < 0) return;
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    ioctl(master, TIOCSWINSZ, &ws);
  }
}

void ctl_read(int master) {
  ssize_t r = read(g_ctl, g_ctlbuf + g_ctllen, sizeof g_ctlbuf - 1 - g_ctllen);
  if (r <= 0) return;
  g_ctllen += (size_t)r;
  g_ctlbuf[g_ctllen] = 0;
  char *start = g_ctlbuf, *nl;
  while ((nl = strchr(start, '\n'))) {
    *nl = 0;
    ctl_line(start, master);
    start = nl + 1;
  }
  g_ctllen = (size_t)(g_ctlbuf + g_ctllen - start);
  memmove(g_ctlbuf, start, g_ctllen);
  if (g_ctllen == sizeof g_ctlbuf - 1) g_ctllen = 0; /* an overlong line: drop it */
}
