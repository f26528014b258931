/*
 * The receiving end of runc's --console-socket protocol (runc's docs/terminals.md), which
 * hull-runtime speaks too: the runtime connects to a unix stream socket and sends the pty master
 * in one message with SCM_RIGHTS (payload: the pty's name). The monitor then uses the master as
 * the container's stdio: reads are output, writes are input, TIOCSWINSZ resizes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "monitor.h"

static int g_listen = -1;
static int g_conn = -1;

void console_listen(int dirfd, const char *name) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (proc_path(sa.sun_path, sizeof sa.sun_path, dirfd, name) < 0) die("console socket path too long");
  unlinkat(dirfd, name, 0); /* a stale one from a killed monitor */
  g_listen = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (g_listen < 0) die("console socket: %s", strerror(errno));
  if (bind(g_listen, (struct sockaddr *)&sa, sizeof sa) < 0) die("bind console socket: %s", strerror(errno));
  if (listen(g_listen, 1) < 0) die("listen on console socket: %s", strerror(errno));
}

int console_listen_fd(void) { return g_listen; }
int console_conn_fd(void) { return g_conn; }

void console_accept(void) {
  int c = accept4(g_listen, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (c < 0) return;
  if (g_conn >= 0) close(g_conn); /* only the latest sender counts */
  g_conn = c;
}

int console_receive(void) {
  char name[256];
  struct iovec iov = {.iov_base = name, .iov_len = sizeof name};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } cbuf;
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf.buf, .msg_controllen = sizeof cbuf.buf};
  ssize_t n = recvmsg(g_conn, &mh, MSG_CMSG_CLOEXEC);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return -1;
  int fd = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len >= CMSG_LEN(sizeof(int)))
      memcpy(&fd, CMSG_DATA(c), sizeof fd);
  }
  close(g_conn);
  g_conn = -1;
  if (fd < 0) {
    if (n > 0) warnx_("console socket: a message without a file descriptor");
    return -1;
  }
  set_nonblock(fd);
  return fd;
}

void console_close(int dirfd, const char *name) {
  if (g_conn >= 0) close(g_conn);
  if (g_listen >= 0) {
    close(g_listen);
    unlinkat(dirfd, name, 0);
  }
  g_conn = g_listen = -1;
}
