/*
 * hull-monitor: the per-container monitor of hull's engine (docs/engine.md#the-monitor).
 *
 *   hull-monitor --dir DIR --pid-file FILE [--log-dir DIR] [--log-driver json-file|k8s-file]
 *                [--log-max-size BYTES] [--log-max-files N] [--terminal] [--stdin]
 *                [--exit-arg ARG]... -- CREATE-COMMAND ARGS...
 *
 * Started detached (its own session) by the `hull` process that creates a container. It makes
 * itself a child subreaper, creates the container's stdio (pipes, or the pty master that arrives
 * on DIR/console.sock with --terminal), and forks CREATE-COMMAND with fds 0-2 replaced and every
 * fd >= 3 passed through untouched (hull-runtime's library talks to hull-init over them).
 * The create command is hull-init (it exits once the container's init is forked) or another
 * runtime's `create` (runc exits after create); either way the container's init is then
 * reparented to this process.
 *
 * On stdout, one line: the create command's status when it exits. Until then, output on the
 * container's pipes is the runtime's and goes to our stderr (the creator's); afterwards both
 * stdout and stderr are /dev/null and the container's output goes to the log and attach
 * clients. A create command that fails makes the monitor exit with its status, writing no
 * exit file. Otherwise the init's pid is read from FILE (written by the runtime); when that
 * process is reaped the output is drained, DIR/exit is written ("CODE TIME\n", 128+N for
 * signal N, as docker), attach clients see EOF, the exit command (the --exit-arg words) is
 * started (unless an owner client took the handover and released the container itself, see
 * attach.c), and the monitor exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor.h"

#define MAX_INHERITED 256
#define MAX_REAPED 32
#define CHUNK 8192

static const char *g_dir, *g_pid_file;
static int g_dirfd = -1;
static int g_terminal, g_want_stdin;
static char **g_exit_argv;
static char **g_cmd;

struct source {
  int fd;
  int stream;
};
static struct source g_src[3];
static int g_nsrc;
static int g_master = -1;

static int g_sigfd = -1;
static sigset_t g_oldmask;
static pid_t g_create_pid, g_init_pid;
static int g_create_done, g_exited, g_exit_status, g_no_children, g_last_code = 1;
static struct {
  pid_t pid;
  int status;
} g_reaped[MAX_REAPED];
static int g_nreaped;
static char g_buf[CHUNK];

static void usage(void) {
  die("usage: hull-monitor --dir DIR --pid-file FILE [--log-dir DIR] [--log-driver json-file|k8s-file] [--log-max-size BYTES] "
      "[--log-max-files N] [--terminal] [--stdin] [--exit-arg ARG]... -- COMMAND ARGS...");
}

static long long number(const char *opt, const char *v) {
  char *end;
  errno = 0;
  long long n = strtoll(v, &end, 10);
  if (errno || *end || end == v || n < 0) die("%s: %s is not a non-negative number", opt, v);
  return n;
}

/* fds >= 3 we were given are the create command's (hull-init's plan and sync pipes). */
static int g_inherited[MAX_INHERITED];
static int g_ninherited;

static void scan_inherited(void) {
  int d = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d < 0) die("open /proc/self/fd: %s", strerror(errno));
  char buf[4096];
  for (;;) {
    long n = syscall(SYS_getdents64, d, buf, sizeof buf);
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      struct {
        unsigned long long ino;
        long long off;
        unsigned short reclen;
        unsigned char type;
        char name[];
      } *e = (void *)(buf + off);
      off += e->reclen;
      if (e->name[0] < '0' || e->name[0] > '9') continue;
      int fd = atoi(e->name);
      if (fd < 3 || fd == d) continue;
      if (g_ninherited == MAX_INHERITED) die("more than %d inherited file descriptors", MAX_INHERITED);
      g_inherited[g_ninherited++] = fd;
    }
  }
  close(d);
}

static void parse_args(int argc, char **argv) {
  static const struct option opts[] = {
      {"dir", required_argument, 0, 'd'},           {"pid-file", required_argument, 0, 'p'},
      {"log-driver", required_argument, 0, 'l'},    {"log-max-size", required_argument, 0, 's'},
      {"log-max-files", required_argument, 0, 'n'}, {"terminal", no_argument, 0, 't'},
      {"stdin", no_argument, 0, 'i'},               {"exit-arg", required_argument, 0, 'x'},
      {"log-dir", required_argument, 0, 'L'},       {0, 0, 0, 0},
  };
  enum log_driver driver = LOG_JSON_FILE;
  const char *log_dir = NULL;
  long long max_size = 0;
  int max_files = 1;
  /* One allocation, at start-up: the exit command's argv. */
  g_exit_argv = calloc((size_t)argc + 1, sizeof *g_exit_argv);
  if (!g_exit_argv) die("out of memory");
  int nexit = 0, c;
  while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
    switch (c) {
      case 'd': g_dir = optarg; break;
      case 'L': log_dir = optarg; break;
      case 'p': g_pid_file = optarg; break;
      case 'l':
        if (!strcmp(optarg, "json-file"))
          driver = LOG_JSON_FILE;
        else if (!strcmp(optarg, "k8s-file"))
          driver = LOG_K8S_FILE;
        else
          die("--log-driver: %s is not json-file or k8s-file", optarg);
        break;
      case 's': max_size = number("--log-max-size", optarg); break;
      case 'n': max_files = (int)number("--log-max-files", optarg); break;
      case 't': g_terminal = 1; break;
      case 'i': g_want_stdin = 1; break;
      case 'x': g_exit_argv[nexit++] = optarg; break;
      default: usage();
    }
  }
  if (!g_dir || !g_pid_file || optind >= argc) usage();
  if (g_pid_file[0] != '/') die("--pid-file %s: must be an absolute path", g_pid_file);
  g_cmd = argv + optind;
  g_dirfd = open(g_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (g_dirfd < 0) die("--dir %s: %s", g_dir, strerror(errno));
  /* The log may live elsewhere (the engine keeps it under --root, the rest on /run). */
  int logfd = g_dirfd;
  if (log_dir) {
    logfd = open(log_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (logfd < 0) die("--log-dir %s: %s", log_dir, strerror(errno));
  }
  log_open(logfd, driver, max_size, max_files);
}

static int status_code(int st) {
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return 255;
}

static void add_source(int fd, int stream) {
  set_nonblock(fd);
  g_src[g_nsrc++] = (struct source){fd, stream};
}

static void remove_source(int i) {
  close(g_src[i].fd);
  if (g_src[i].fd == g_master) g_master = -1;
  g_src[i] = g_src[--g_nsrc];
}

static void on_output(int stream, const char *buf, size_t n) {
  if (!g_create_done) {
    /* The runtime's own messages (the container cannot run before create is done). */
    write_all(2, buf, n);
    return;
  }
  log_write(stream, buf, n);
  attach_broadcast(stream, buf, n);
}

/* One read; returns 0 once the source is gone (EOF, or EIO from a pty whose slave closed). */
static int read_source(int i) {
  ssize_t r = read(g_src[i].fd, g_buf, sizeof g_buf);
  if (r > 0) {
    on_output(g_src[i].stream, g_buf, (size_t)r);
    return 1;
  }
  if (r < 0 && (errno == EAGAIN || errno == EINTR)) return -1;
  remove_source(i);
  return 0;
}

/* Everything already written. Other holders of the pipes (a container without its own pid
 * namespace can leave daemons behind) may keep them open: stop at EAGAIN, never wait. */
static void drain_sources(void) {
  for (int i = 0; i < g_nsrc;) {
    int r;
    while ((r = read_source(i)) == 1) {}
    if (r != 0) i++;
  }
}

static void cleanup_files(void) {
  attach_close_all();
  console_close(g_dirfd, "console.sock");
  unlinkat(g_dirfd, "attach", 0);
  unlinkat(g_dirfd, "ctl", 0);
  unlinkat(g_dirfd, "monitor.pid", 0);
}

static void say_status(int code) {
  char line[16];
  int n = snprintf(line, sizeof line, "%d\n", code);
  write_all(1, line, (size_t)n);
}

static void null_stdio(void) {
  int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (nul < 0) return;
  dup2(nul, 0);
  dup2(nul, 1);
  dup2(nul, 2);
  close(nul);
}

/* Reaped before the pid file named the init: kept so the init's status is not lost. */
static void remember(pid_t pid, int st) {
  g_last_code = status_code(st);
  if (g_nreaped == MAX_REAPED) return;
  g_reaped[g_nreaped].pid = pid;
  g_reaped[g_nreaped].status = st;
  g_nreaped++;
}

static void try_pidfile(void) {
  if (g_init_pid) return;
  int fd = open(g_pid_file, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  char buf[32];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return; /* created but not written yet (writeFileSync truncates first) */
  buf[n] = 0;
  char *end;
  long pid = strtol(buf, &end, 10);
  if (pid <= 0 || (*end && *end != '\n')) return;
  g_init_pid = (pid_t)pid;
  for (int i = 0; i < g_nreaped; i++) {
    if (g_reaped[i].pid == g_init_pid) {
      g_exited = 1;
      g_exit_status = g_reaped[i].status;
    }
  }
}

static void create_exited(int st) {
  drain_sources();
  int code = status_code(st);
  say_status(code);
  if (code != 0) {
    cleanup_files();
    _exit(code);
  }
  g_create_done = 1;
  null_stdio();
  try_pidfile();
}

static void reap(void) {
  struct signalfd_siginfo si;
  while (read(g_sigfd, &si, sizeof si) == sizeof si) {}
  g_no_children = 0;
  for (;;) {
    int st;
    pid_t r = waitpid(-1, &st, WNOHANG);
    if (r == 0) break;
    if (r < 0) {
      if (errno == EINTR) continue;
      if (errno == ECHILD) g_no_children = 1;
      break;
    }
    if (r == g_create_pid) {
      create_exited(st);
    } else if (g_init_pid && r == g_init_pid) {
      g_exited = 1;
      g_exit_status = st;
    } else if (!g_init_pid) {
      remember(r, st);
    }
  }
}

static void run_exit_command(void) {
  if (!g_exit_argv[0]) return;
  pid_t p = fork();
  if (p != 0) return;
  setsid();
  sigprocmask(SIG_SETMASK, &g_oldmask, NULL);
  signal(SIGPIPE, SIG_DFL);
  signal(SIGHUP, SIG_DFL);
  signal(SIGINT, SIG_DFL);
  execvp(g_exit_argv[0], g_exit_argv);
  _exit(127);
}

static void finish(void) {
  drain_sources();
  log_flush();
  char ts[32], line[64];
  now_rfc3339(ts);
  int n = snprintf(line, sizeof line, "%d %s\n", status_code(g_exit_status), ts);
  if (write_file_atomic(g_dirfd, "exit", line, (size_t)n) < 0) warnx_("write exit: %s", strerror(errno));
  int owner = attach_take_owner();
  cleanup_files();
  /* A foreground `hull run` releases the container itself (attach.c, the handover). */
  if (owner >= 0 && attach_handover(owner, line, (size_t)n)) _exit(0);
  run_exit_command();
  _exit(0);
}

/* The container vanished before its pid was known (a failed create) or without us reaping it. */
static void gone(void) {
  cleanup_files();
  _exit(g_last_code ? g_last_code : 1);
}

static void spawn_create(void) {
  int out[2], err[2], in[2] = {-1, -1};
  if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) die("pipe: %s", strerror(errno));
  if (g_want_stdin && !g_terminal && pipe2(in, O_CLOEXEC) < 0) die("pipe: %s", strerror(errno));
  int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (nul < 0) die("open /dev/null: %s", strerror(errno));
  g_create_pid = fork();
  if (g_create_pid < 0) die("fork: %s", strerror(errno));
  if (g_create_pid == 0) {
    sigprocmask(SIG_SETMASK, &g_oldmask, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    /* The pipes are close-on-exec; dup2 makes clear copies. fds >= 3 we inherited are left alone. */
    if (dup2(in[0] >= 0 ? in[0] : nul, 0) < 0 || dup2(out[1], 1) < 0 || dup2(err[1], 2) < 0) _exit(127);
    execvp(g_cmd[0], g_cmd);
    dprintf(2, "hull-monitor: exec %s: %s\n", g_cmd[0], strerror(errno));
    _exit(127);
  }
  close(nul);
  close(out[1]);
  close(err[1]);
  if (in[0] >= 0) close(in[0]);
  /* Our copies of the create command's fds must go, or its pipes would never see EOF. */
  for (int i = 0; i < g_ninherited; i++) close(g_inherited[i]);
  add_source(out[0], STREAM_STDOUT);
  add_source(err[0], STREAM_STDERR);
  if (in[1] >= 0) {
    set_nonblock(in[1]);
    stdin_set_fd(in[1]);
  }
}

static void setup(void) {
  setsid(); /* EPERM when the spawner already made us a session leader */
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) die("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, &g_oldmask);
  g_sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  if (g_sigfd < 0) die("signalfd: %s", strerror(errno));
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  /* A restarted container gets a new monitor in the same directory: what the last run left
   * must not be taken for this one's (a stale pid would be waited for instead of the new init). */
  if (unlink(g_pid_file) < 0 && errno != ENOENT) die("remove %s: %s", g_pid_file, strerror(errno));
  if (unlinkat(g_dirfd, "exit", 0) < 0 && errno != ENOENT) die("remove exit: %s", strerror(errno));
  attach_listen(g_dirfd);
  ctl_open(g_dirfd);
  if (g_terminal) console_listen(g_dirfd, "console.sock");
  char pid[24];
  int n = snprintf(pid, sizeof pid, "%d\n", getpid());
  if (write_file_atomic(g_dirfd, "monitor.pid", pid, (size_t)n) < 0) die("write monitor.pid: %s", strerror(errno));
}

int main(int argc, char **argv) {
  /* fds 0-2 must exist before anything is opened, or our own files would land on them. */
  for (int fd = 0; fd < 3; fd++)
    if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd) _exit(125);
  /* `hull exec -t`'s foreground terminal (relay.c): a mode of its own, no container. */
  if (argc >= 3 && !strcmp(argv[1], "--console-relay"))
    return relay_main(argv[2], argc > 3 && !strcmp(argv[3], "--stdin"));
  scan_inherited();
  parse_args(argc, argv);
  setup();
  spawn_create();
  if (chdir("/") < 0) {} /* hold no directory busy */
  int oom = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (oom >= 0) {
    /* Outlive the container under memory pressure, as conmon does (after the fork: the
     * container must not inherit it). */
    (void)!write(oom, "-1000", 5);
    close(oom);
  }

  int backoff = 2;
  for (;;) {
    struct pollfd p[16 + 8];
    int n = 0;
    p[n++] = (struct pollfd){.fd = attach_listen_fd(), .events = POLLIN};
    if (console_listen_fd() >= 0) p[n++] = (struct pollfd){.fd = console_listen_fd(), .events = POLLIN};
    if (console_conn_fd() >= 0) p[n++] = (struct pollfd){.fd = console_conn_fd(), .events = POLLIN};
    p[n++] = (struct pollfd){.fd = ctl_fd(), .events = POLLIN};
    for (int i = 0; i < g_nsrc; i++) p[n++] = (struct pollfd){.fd = g_src[i].fd, .events = POLLIN};
    if (stdin_pending()) p[n++] = (struct pollfd){.fd = stdin_fd(), .events = POLLOUT};
    n += attach_pollfds(p + n, (int)(sizeof p / sizeof *p) - n - 1);
    p[n++] = (struct pollfd){.fd = g_sigfd, .events = POLLIN};

    /* The library writes the pid file after `created`, a little after hull-init exited. */
    int timeout = -1;
    if (g_create_done && !g_init_pid) {
      timeout = backoff;
      if (backoff < 500) backoff *= 2;
    }
    if (poll(p, (nfds_t)n, timeout) < 0 && errno != EINTR) die("poll: %s", strerror(errno));

    for (int k = 0; k < n; k++) {
      int fd = p[k].fd;
      short ev = p[k].revents;
      if (!ev) continue;
      if (fd == attach_listen_fd()) {
        attach_accept();
      } else if (fd == console_listen_fd()) {
        console_accept();
      } else if (fd == console_conn_fd()) {
        int m = console_receive();
        if (m >= 0) {
          g_master = m;
          add_source(m, STREAM_STDOUT);
          if (g_want_stdin) {
            int w = fcntl(m, F_DUPFD_CLOEXEC, 3);
            if (w >= 0) stdin_set_fd(w);
          }
          console_close(g_dirfd, "console.sock");
        }
      } else if (fd == ctl_fd()) {
        ctl_read(g_master);
      } else if (fd == g_sigfd) {
        reap();
      } else if (fd == stdin_fd() && (ev & (POLLOUT | POLLERR | POLLHUP))) {
        stdin_flush();
      } else {
        int src = -1;
        for (int i = 0; i < g_nsrc; i++)
          if (g_src[i].fd == fd) src = i;
        if (src >= 0)
          read_source(src);
        else
          attach_client_ready(fd, ev);
      }
    }

    if (g_create_done && !g_init_pid) try_pidfile();
    if (g_exited) finish();
    if (g_create_done && g_no_children) {
      try_pidfile();
      if (g_exited) finish();
      gone();
    }
  }
}
