/* The op handlers, grouped by concern into files; dispatched by main.c. */
#ifndef HULL_INIT_H
#define HULL_INIT_H

#include "plan.h"

/* ns.c: before and around the fork. */
void op_setns(const struct op *op);
/* Returns the child's pid in the parent, 0 in the child. */
pid_t op_clone(const struct op *op, int *release_fd);
void parent_ops(const struct plan *plan, uint32_t from, pid_t child, int release_fd);
void wait_release(int release_fd);
/* Before op_clone: how each cgroup join after `from` is made (ns.c). */
void cgroup_prepare(const struct plan *plan, uint32_t from, unsigned long clone_flags);
/* In the child, first thing after the release: the joins it makes itself. */
void cgroup_self_join(void);
void op_unshare(const struct op *op);
void op_userns_root(void);

/* rootfs.c: mounts resolved inside the rootfs, pivot_root. */
void op_root_propagation(const struct op *op);
void op_bind_rootfs(const struct op *op);
void op_mount(const struct op *op);
void op_pivot_root(void);
void op_move_root(void);
void op_mask(const struct op *op);
void op_readonly(const struct op *op);
void op_readonly_root(void);
/* An O_PATH fd for path inside the root (RESOLVE_IN_ROOT); -1 with errno on failure. */
int root_resolve(const char *path);
/* Inside the root, no symlink followed at any step. */
int root_resolve_strict(const char *path);
/* Like root_resolve, creating missing directories (and a file at the end when file != 0). */
int root_mkpath(const char *path, int file);

/* devices.c */
void op_mknod(const struct op *op);
void op_symlink(const struct op *op);

/* sync.c: talking to the runtime and the exec fifo. */
void sync_send(const char *line);
void op_sync_hooks(void);
void op_created(void);
void op_open_fifo(const struct op *op);
/* The parent's copies of the fifo and state directory fds (the child keeps its own). */
void fifo_close(void);
void op_wait_start(void);
/* The state JSON last received (for hooks); "" when none. */
extern char *g_state;

/* hooks.c */
void op_hook(const struct op *op);

/* process.c */
void op_sysctl(const struct op *op);
void op_hostname(const struct op *op, int domain);
void op_rlimit(const struct op *op);
void op_oom_score_adj(const struct op *op);
void op_no_new_privs(void);
void op_umask(const struct op *op);
void op_chdir(const struct op *op);
void op_close_fds(const struct op *op);
void op_resolve_exec(const struct op *op);
void op_exec(const struct op *op);

/* caps.c */
void caps_init(void);
void op_capbset(const struct op *op);
void op_setuser(const struct op *op);
void op_capset(const struct op *op);
void op_ambient(const struct op *op);

/* seccomp.c */
void op_seccomp_init(const struct op *op);
void op_seccomp_arch(const struct op *op);
void op_seccomp_rule(const struct op *op);
void op_seccomp_listener(const struct op *op);
void op_seccomp_load(const struct op *op);

/* console.c: terminals (--console-socket) and exec's pre-opened cgroups. */
void op_console_socket(const struct op *op);
void op_cgroup_open(const struct op *op);
/* Parent side: writes child's pid into each cgroup.procs opened by cgroup_open; -1 on failure. */
int cgroup_join_opened(pid_t child);
void op_console(const struct op *op);

/* attrs.c: time namespace, affinity, personality, I/O priority, scheduler, keyring, AppArmor,
 * idmapped mounts. */
void op_timens(const struct op *op);
void op_cpu_affinity(const struct op *op);
void op_personality(const struct op *op);
void op_ioprio(const struct op *op);
void op_scheduler(const struct op *op);
void op_session_keyring(const struct op *op);
void op_apparmor(const struct op *op);
void op_idmap_mount(const struct op *op);
void op_mount_fd(const struct op *op);

/* cloned.c: CVE-2019-5736. */
void ensure_cloned_binary(char **argv);

#endif
