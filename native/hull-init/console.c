/*
 * Terminals and `exec` (docs/runtime-plan.md#exec-and-terminals).
 *
 * console_socket (P): connect to --console-socket while the host's filesystem is still visible
 * (before any setns into the container's mount namespace, before pivot_root).
 * cgroup_open (P): open a cgroup.procs file of the container before setns; the parent writes the
 * child's pid into it after the fork (an `exec` parent sits in the container's mount namespace,
 * where the host's cgroup paths are not reachable any more).
 * console: in the child, open a pty pair from the container's /dev/ptmx, make the slave the
 * controlling terminal and stdio, apply the size, and send the master to the console socket
 * with SCM_RIGHTS, as runc does (one message; the payload is the pty's name).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/openat2.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "init.h"
#include "util.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

static int g_console_sock = -1;
static int g_cgroup_fds[16];
static int g_ncgroup_fds;

void op_console_socket(const struct op *op) {
  const char *path = fstr(op, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof sa.sun_path) die("console socket %s: path too long", path);
  strcpy(sa.sun_path, path);
  g_console_sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (g_console_sock < 0) die_errno("console socket");
  if (connect(g_console_sock, (struct sockaddr *)&sa, sizeof sa) < 0) die_errno("connect to console socket %s", path);
}

void op_cgroup_open(const struct op *op) {
  if (g_ncgroup_fds == (int)(sizeof g_cgroup_fds / sizeof *g_cgroup_fds)) die("too many cgroups to join");
  int fd = open(fstr(op, 0), O_WRONLY | O_CLOEXEC);
  if (fd < 0) die_errno("open %s", fstr(op, 0));
  g_cgroup_fds[g_ncgroup_fds++] = fd;
}

int cgroup_join_opened(pid_t child) {
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%d", child);
  for (int i = 0; i < g_ncgroup_fds; i++) {
    if (write(g_cgroup_fds[i], buf, (size_t)n) != n) return -1;
    close(g_cgroup_fds[i]);
  }
  g_ncgroup_fds = 0;
  /* The parent is done with the console socket: only the child sends on it. */
  if (g_console_sock >= 0) close(g_console_sock);
  g_console_sock = -1;
  return 0;
}

static void send_fd(int sock, int fd, const char *name) {
  struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
  char cbuf[CMSG_SPACE(sizeof(int))];
  memset(cbuf, 0, sizeof cbuf);
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
  struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  ssize_t r;
  do r = sendmsg(sock, &mh, MSG_NOSIGNAL);
  while (r < 0 && errno == EINTR);
  if (r < 0) die_errno("send the pty master to the console socket");
}

/*
 * runc's mountConsole: /dev/console is the container's terminal. The class of CVE-2025-52565:
 * /dev/console (or /dev) could be a symlink planted in the rootfs to point the bind mount at
 * something else, e.g. a /proc file. So /dev is opened inside the root without following links,
 * /dev/console is created there with O_EXCL|O_NOFOLLOW or must already be a regular file or a
 * character device (not a link), and the pty is bound from its fd onto that fd.
 */
static void mount_dev_console(int slave, const char *name) {
  int dev = root_resolve_strict("dev");
  if (dev < 0) die_errno("open /dev in the container");
  int dfd = openat(dev, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  close(dev);
  if (dfd < 0) die_errno("open /dev in the container");
  int fd = openat(dfd, "console", O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd >= 0) close(fd);
  else if (errno != EEXIST) die_errno("create /dev/console");
  struct open_how how = {.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
                         .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
  fd = (int)syscall(SYS_openat2, dfd, "console", &how, sizeof how);
  close(dfd);
  struct stat st;
  if (fd < 0) die_errno("open /dev/console in the container (a symlink is refused)");
  if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode)))
    die("/dev/console in the container is not a file or a character device; refusing to mount on it");
  char src[32], dst[32];
  snprintf(src, sizeof src, "/proc/self/fd/%d", slave);
  snprintf(dst, sizeof dst, "/proc/self/fd/%d", fd);
  if (mount(src, dst, NULL, MS_BIND, NULL) < 0) warnx_("bind %s onto /dev/console: %m", name);
  close(fd);
}

/* fields: rows, cols, mount (1: bind the slave onto /dev/console, for the container's init). */
void op_console(const struct op *op) {
  if (g_console_sock < 0) die("terminal: no console socket (plan is missing console_socket)");
  unsigned rows = (unsigned)fll(op, 0), cols = (unsigned)fll(op, 1);
  int mount_console = (int)fll(op, 2);
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) die_errno("open /dev/ptmx");
  if (grantpt(master) < 0) die_errno("grantpt");
  if (unlockpt(master) < 0) die_errno("unlockpt");
  char name[64];
  if (ptsname_r(master, name, sizeof name) != 0) die_errno("ptsname");
  /* TIOCGPTPEER opens the slave through the master: no path lookup an attacker could race. */
  int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
  if (slave < 0) slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) die_errno("open pty slave %s", name);
  if (rows || cols) {
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    if (ioctl(master, TIOCSWINSZ, &ws) < 0) die_errno("set the console size");
  }
  if (mount_console) mount_dev_console(slave, name);
  send_fd(g_console_sock, master, name);
  close(master);
  close(g_console_sock);
  g_console_sock = -1;
  for (int fd = 0; fd < 3; fd++)
    if (dup2(slave, fd) < 0) die_errno("dup2 pty onto fd %d", fd);
  if (slave > 2) close(slave);
  /* The caller ran setsid: the session has no terminal yet, so this one becomes it. */
  if (ioctl(0, TIOCSCTTY, 0) < 0) die_errno("make the pty the controlling terminal");
}
