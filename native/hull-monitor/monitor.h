/*
 * hull-monitor: one small process per container (docs/engine.md#the-monitor). It holds the
 * container's stdio, writes the log, serves attach clients and records the exit status, so the
 * container outlives the `hull` command that created it. No allocation per byte: every buffer
 * is static, the loop is one poll(2).
 */
#ifndef HULL_MONITOR_H
#define HULL_MONITOR_H

#include <poll.h>
#include <stddef.h>
#include <sys/types.h>

#define STREAM_STDOUT 1
#define STREAM_STDERR 2

/* Attach framing, both directions: 1 byte type, 4 bytes big-endian length, payload. */
#define FRAME_STDOUT 1     /* monitor -> client */
#define FRAME_STDERR 2     /* monitor -> client */
#define FRAME_STDIN 0      /* client -> monitor: bytes for the container's stdin */
#define FRAME_STDIN_CLOSE 3 /* client -> monitor: close the container's stdin (docker's StdinOnce) */
/* The handover (attach.c): a client that will release the container itself after it exits (the
 * foreground `hull run`) says OWNER; at the exit it gets EXIT (payload: the exit file's line)
 * instead of EOF, and DONE from it means the exit command is not needed. */
#define FRAME_OWNER 4 /* client -> monitor */
#define FRAME_EXIT 5  /* monitor -> owner */
#define FRAME_DONE 6  /* owner -> monitor */
#define FRAME_HDR 5

enum log_driver { LOG_JSON_FILE, LOG_K8S_FILE };

/* util.c */
void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
int write_all(int fd, const void *buf, size_t n);
/* RFC 3339 with nanoseconds, UTC: "2006-01-02T15:04:05.000000000Z" (30 chars + NUL). */
void now_rfc3339(char out[32]);
/* Write NAME in DIRFD through NAME.tmp + rename, so readers never see half of it. */
int write_file_atomic(int dirfd, const char *name, const char *data, size_t n);
/* "/proc/self/fd/DIRFD/NAME": a path of any length for bind(2) (sun_path is only 108 bytes). */
int proc_path(char *out, size_t size, int dirfd, const char *name);
int set_nonblock(int fd);

/* logfile.c */
void log_open(int dirfd, enum log_driver d, long long max_size, int max_files);
void log_write(int stream, const char *buf, size_t n);
void log_flush(void);

/* attach.c: the attach socket, its clients, the container's stdin, the ctl fifo */
void attach_listen(int dirfd);
int attach_listen_fd(void);
void attach_accept(void);
void attach_broadcast(int stream, const char *buf, size_t n);
void attach_close_all(void);
/* The first client that said OWNER, taken out of the client list (-1: none). */
int attach_take_owner(void);
/* Sends EXIT to the owner and waits for DONE (1) or its going away or silence (0); closes it. */
int attach_handover(int fd, const char *line, size_t n);
/* Container stdin: -1 without --stdin. The monitor writes what attach clients send. */
void stdin_set_fd(int fd);
int stdin_fd(void);
int stdin_pending(void);
void stdin_flush(void);
/* Fill POLLIN entries for clients (none while stdin has unwritten bytes). Returns the count. */
int attach_pollfds(struct pollfd *p, int max);
void attach_client_ready(int fd, short revents);
void ctl_open(int dirfd);
int ctl_fd(void);
void ctl_read(int master);

/* console.c: runc's --console-socket protocol, receiving end */
void console_listen(int dirfd, const char *name);
int console_listen_fd(void);
int console_conn_fd(void);
void console_accept(void);
/* Returns the pty master once received (O_NONBLOCK, O_CLOEXEC), -1 until then. */
int console_receive(void);
void console_close(int dirfd, const char *name);

/* relay.c: `--console-relay SOCKET [--stdin]`, the foreground terminal of `hull exec -t` */
int relay_main(const char *socket_path, int want_stdin);

#endif
