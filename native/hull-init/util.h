/* Error reporting and small helpers shared by hull-init's files. */
#ifndef HULL_UTIL_H
#define HULL_UTIL_H

#include <stddef.h>
#include <sys/types.h>

/* The fds of the sync channel to the runtime (docs/runtime-plan.md#sync); -1 once closed. */
extern int g_sync_out;
extern int g_sync_in;
/* O_PATH fd of the container's state directory (host): after `created`, errors go to init.error there. */
extern int g_state_dir;

/* Sends "error <message>" to the runtime (or stderr once the sync channel is closed), exits 1. */
__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 2))) void die_errno(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void warnx_(const char *fmt, ...);

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
void write_all(int fd, const void *buf, size_t len);
/* Writes a small string to a file (procfs, cgroupfs); returns -1 with errno on failure. */
int write_file(const char *path, const char *data);

#endif
