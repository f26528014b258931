/*
 * `hull-monitor --console-relay SOCKET [--stdin]`: the foreground terminal of `hull exec -t`.
 *
 * A runtime's exec with a terminal makes the pty inside the container and sends its master over
 * runc's --console-socket protocol (SCM_RIGHTS); Node cannot receive a file descriptor, so the
 * hull process starts this relay on its own terminal and hands SOCKET to the runtime. The relay
 * listens on SOCKET, says "ready" on fd 3 (then closes it), receives the master, and copies
 * master -> stdout and (with --stdin) stdin -> master, with stdin in raw mode when it is a
 * terminal (docker exec -it) and the window size followed on SIGWINCH. It ends when the pty has
 * no writer left (EIO) or on SIGTERM (the hull process saw the exec'd process exit): it then
 * drains what the master still holds, restores the terminal and exits 0. SIGTERM before the
 * master arrived (the exec failed) exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include "monitor.h"

static struct termios g_saved;
static int g_raw;
static char g_rbuf[8192];

static void restore_terminal(void) {
  if (g_raw) tcsetattr(0, TCSANOW, &g_saved);
  g_raw = 0;
}

static void copy_winsize(int master) {
  struct winsize ws;
  if (ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) ioctl(master, TIOCSWINSZ, &ws);
}

/* Everything the master holds now; returns 0 once it has no writer left (EIO) or EOF. */
static int pump_master(int master) {
  for (;;) {
    ssize_t r = read(master, g_rbuf, sizeof g_rbuf);
    if (r > 0) {
      if (write_all(1, g_rbuf, (size_t)r) < 0) return 0;
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 && errno == EAGAIN) return 1;
    return 0;
  }
}

static void finish(int master, int code) {
  if (master >= 0) pump_master(master);
  restore_terminal();
  _exit(code);
}

int relay_main(const char *socket_path, int want_stdin) {
  char dirbuf[4096], namebuf[4096];
  if (strlen(socket_path) >= sizeof dirbuf) die("--console-relay %s: path too long", socket_path);
  strcpy(dirbuf, socket_path);
  strcpy(namebuf, socket_path);
  const char *name = basename(namebuf); /* POSIX basename and dirname may write into their argument */
  int dirfd = open(dirname(dirbuf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0) die("--console-relay %s: %s", socket_path, strerror(errno));

  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGWINCH);
  sigaddset(&mask, SIGHUP);
  sigaddset(&mask, SIGINT);
  sigprocmask(SIG_BLOCK, &mask, NULL);
  int sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sigfd < 0) die("signalfd: %s", strerror(errno));
  signal(SIGPIPE, SIG_IGN);

  console_listen(dirfd, name);
  /* fd 3: the hull process waits for this line before starting the exec. */
  if (write_all(3, "ready\n", 6) == 0) close(3);

  int master = -1;
  while (master < 0) {
    struct pollfd p[3];
    int n = 0;
    p[n++] = (struct pollfd){.fd = sigfd, .events = POLLIN};
    p[n++] = (struct pollfd){.fd = console_listen_fd(), .events = POLLIN};
    if (console_conn_fd() >= 0) p[n++] = (struct pollfd){.fd = console_conn_fd(), .events = POLLIN};
    if (poll(p, (nfds_t)n, -1) < 0 && errno != EINTR) die("poll: %s", strerror(errno));
    if (p[0].revents) {
      struct signalfd_siginfo si;
      while (read(sigfd, &si, sizeof si) == sizeof si)
        if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGHUP) {
          console_close(dirfd, name);
          _exit(1);
        }
    }
    if (p[1].revents) console_accept();
    if (n > 2 && p[2].revents) master = console_receive();
  }
  console_close(dirfd, name);
  close(dirfd);

  if (want_stdin && isatty(0) && tcgetattr(0, &g_saved) == 0) {
    struct termios raw = g_saved;
    cfmakeraw(&raw);
    if (tcsetattr(0, TCSANOW, &raw) == 0) g_raw = 1;
  }
  copy_winsize(master);

  int in_open = want_stdin;
  for (;;) {
    struct pollfd p[3];
    int n = 0;
    p[n++] = (struct pollfd){.fd = sigfd, .events = POLLIN};
    p[n++] = (struct pollfd){.fd = master, .events = POLLIN};
    if (in_open) p[n++] = (struct pollfd){.fd = 0, .events = POLLIN};
    if (poll(p, (nfds_t)n, -1) < 0 && errno != EINTR) die("poll: %s", strerror(errno));
    if (p[0].revents) {
      struct signalfd_siginfo si;
      while (read(sigfd, &si, sizeof si) == sizeof si) {
        if (si.ssi_signo == SIGWINCH) copy_winsize(master);
        if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGHUP) finish(master, 0);
      }
    }
    if (p[1].revents && !pump_master(master)) finish(-1, 0);
    if (n > 2 && p[2].revents) {
      ssize_t r = read(0, g_rbuf, sizeof g_rbuf);
      if (r > 0) {
        /* The master is non-blocking: wait for room rather than lose typed input. */
        for (ssize_t off = 0; off < r;) {
          ssize_t w = write(master, g_rbuf + off, (size_t)(r - off));
          if (w > 0) {
            off += w;
          } else if (w < 0 && errno == EAGAIN) {
            struct pollfd o = {.fd = master, .events = POLLOUT};
            poll(&o, 1, 100);
          } else if (w < 0 && errno != EINTR) {
            break;
          }
        }
      } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        in_open = 0; /* stdin ended: the exec'd process keeps its terminal, as docker's does */
      }
    }
  }
}
