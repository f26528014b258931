/**
 * The plan: the flat, ordered list of operations hull-init executes to build a container
 * (ARCHITECTURE.md idea 8, "TypeScript decides, C executes"). Every decision — which namespaces,
 * which mount flags, which devices, which capability bits, which seccomp rules, in which order —
 * is made here, in TypeScript, where it is unit-tested by asserting on plans. hull-init only runs
 * the list top to bottom. The wire encoding and the meaning of each op are documented in ONE
 * place, docs/runtime-plan.md; the op codes below MUST match native/hull-init/plan.h.
 *
 * Ops up to and including `clone` run in hull-init's first process; `uid_map`, `gid_map` and
 * `cgroup_join` after `clone` are done by that parent for the child (the child waits for them);
 * everything else runs in the child, the container's init.
 */

/** Op codes, shared with native/hull-init/plan.h. */
export const OP = {
  setns: 1,
  clone: 2,
  uid_map: 3,
  gid_map: 4,
  cgroup_join: 5,
  monitor: 6,
  console_socket: 7,
  cgroup_open: 8,
  timens: 9,
  cpu_affinity: 13,
  idmap_mount: 14,
  unshare: 10,
  setsid: 11,
  userns_root: 12,
  root_propagation: 20,
  bind_rootfs: 21,
  mount: 22,
  mknod: 23,
  symlink: 24,
  open_fifo: 25,
  sync_hooks: 30,
  hook: 31,
  pivot_root: 40,
  move_root: 41,
  mask: 42,
  readonly: 43,
  readonly_root: 44,
  sysctl: 50,
  hostname: 51,
  domainname: 52,
  rlimit: 53,
  oom_score_adj: 54,
  no_new_privs: 55,
  seccomp_init: 56,
  seccomp_arch: 57,
  seccomp_rule: 58,
  seccomp_load: 59,
  seccomp_listener: 26,
  mount_fd: 27,
  capbset: 60,
  setuser: 61,
  capset: 62,
  ambient: 63,
  umask: 64,
  chdir: 65,
  close_fds: 66,
  resolve_exec: 67,
  created: 68,
  wait_start: 69,
  exec: 70,
  console: 71,
  personality: 72,
  ioprio: 73,
  scheduler: 74,
  session_keyring: 75,
  apparmor: 76,
} as const;

export type OpName = keyof typeof OP;

/** How a missing mount target is created inside the rootfs. */
export type TargetKind = 'dir' | 'file';

export type PlanOp =
  /** setns(2) into an existing namespace (config-linux.md#namespaces `path`). */
  | { op: 'setns'; type: string; nstype: number; path: string }
  /** Fork the container's init into new namespaces (CLONE_NEW* flags; 0 = plain fork). */
  | { op: 'clone'; flags: number; namespaces: string[] }
  /** Parent side: /proc/<child>/uid_map (config-linux.md#user-namespace-mappings). */
  | { op: 'uid_map'; map: string }
  | { op: 'gid_map'; map: string }
  /** Parent side: write the child's pid to each cgroup.procs before it runs anything. */
  | { op: 'cgroup_join'; procs: string }
  /** Parent stays and exits with the init's status (`run` without --detach). */
  | { op: 'monitor' }
  /** Namespaces entered after the cgroup join (cgroup: so the container's cgroup is its root). */
  | { op: 'unshare'; flags: number; namespaces: string[] }
  | { op: 'setsid' }
  /** setresuid/setresgid(0) inside a new user namespace. */
  | { op: 'userns_root' }
  /** mount(NULL, "/", NULL, flags): stop mount events leaking to the host (rslave/rprivate). */
  | { op: 'root_propagation'; flags: number; name: string }
  /** Bind the rootfs onto itself (pivot_root needs a mount point) and keep an fd to it. */
  | { op: 'bind_rootfs'; path: string }
  | {
      op: 'mount';
      /** Host path for binds, or the fs source name. */
      source: string;
      /** Inside the rootfs, resolved by hull-init with RESOLVE_IN_ROOT. */
      target: string;
      fstype: string;
      flags: number;
      data: string;
      /** Non-zero: a second mount(MS_REMOUNT|MS_BIND|remountFlags) (bind mounts ignore ro etc. on the first). */
      remountFlags: number;
      /** Non-zero: mount(NULL, target, NULL, propagationFlags) afterwards. */
      propagationFlags: number;
      /** What to create when the target is missing. */
      kind: TargetKind;
      /** Options as written in config.json, for the debug log only (not encoded). */
      options?: string[];
    }
  | {
      op: 'mknod';
      path: string;
      /** `c`, `b`, `p` (`u` is `c`). */
      type: string;
      major: number;
      minor: number;
      mode: number;
      uid: number;
      gid: number;
      /** In a user namespace mknod is not allowed: bind the host's node instead. */
      bind: boolean;
    }
  | { op: 'symlink'; target: string; path: string }
  /** Open the exec fifo (a host path) before the host disappears at pivot_root. */
  | { op: 'open_fifo'; path: string }
  /** Tell the runtime to run prestart/createRuntime hooks; wait for the state JSON back. */
  | { op: 'sync_hooks' }
  | {
      op: 'hook';
      stage: 'createContainer' | 'startContainer';
      path: string;
      args: string[];
      env: string[];
      timeout: number;
    }
  | { op: 'pivot_root' }
  /** --no-pivot: MS_MOVE the rootfs over / and chroot. */
  | { op: 'move_root' }
  | { op: 'mask'; path: string }
  | { op: 'readonly'; path: string }
  | { op: 'readonly_root' }
  | { op: 'sysctl'; key: string; value: string }
  | { op: 'hostname'; name: string }
  | { op: 'domainname'; name: string }
  | { op: 'rlimit'; resource: number; name: string; soft: bigint; hard: bigint }
  | { op: 'oom_score_adj'; value: number }
  | { op: 'no_new_privs' }
  | { op: 'seccomp_init'; defaultAction: number; flags: string[] }
  | { op: 'seccomp_arch'; arch: string }
  | {
      op: 'seccomp_rule';
      syscall: string;
      action: number;
      args: { index: number; op: number; value: bigint; valueTwo: bigint }[];
    }
  /** Load the filter; with listenerPath, send the notify fd there (config-linux.md#seccomp). */
  | { op: 'seccomp_load'; listenerPath: string; metadata: string }
  /** Connect to listenerPath while the host is still visible (before pivot_root). */
  | { op: 'seccomp_listener'; path: string }
  | { op: 'capbset'; keep: bigint; names: string[] }
  | { op: 'setuser'; uid: number; gid: number; groups: number[] }
  | { op: 'capset'; effective: bigint; permitted: bigint; inheritable: bigint }
  | { op: 'ambient'; caps: bigint; names: string[] }
  | { op: 'umask'; mask: number }
  | { op: 'chdir'; path: string }
  /** Mark every fd >= `from` close-on-exec (stdio + preserved fds survive; CVE-2024-21626). */
  | { op: 'close_fds'; from: number }
  /** Find args[0] on the container's PATH now, so a missing binary fails `create`, not `start`. */
  | { op: 'resolve_exec'; name: string; path: string }
  /** Tell the runtime the container is created; close the sync fds. */
  | { op: 'created' }
  /** Block until `start` writes the state JSON into the exec fifo. */
  | { op: 'wait_start' }
  | { op: 'exec'; args: string[]; env: string[] }
  /** Before clone/setns: connect to --console-socket while the host's paths are visible. */
  | { op: 'console_socket'; path: string }
  /** Before setns (exec): open a cgroup.procs the parent writes the child's pid to after the fork. */
  | { op: 'cgroup_open'; procs: string }
  /** Child: pty pair, slave as controlling terminal and stdio, master sent to the console socket. */
  | { op: 'console'; rows: number; cols: number; mountConsole: boolean }
  /** Before clone: unshare a time namespace and write its offsets (`monotonic S N\n...`). */
  | { op: 'timens'; offsets: string }
  /** sched_setaffinity(2) of the current process (before clone: `initial`; child: `final`). */
  | { op: 'cpu_affinity'; cpus: number[] }
  /** Before clone: a detached idmapped copy of `source` (open_tree + mount_setattr), kept by index. */
  | { op: 'idmap_mount'; source: string; recursive: boolean; attr: number; uidMap: string; gidMap: string }
  /** Child: move idmapped mount number `index` onto `target` inside the rootfs. */
  | { op: 'mount_fd'; index: number; target: string; kind: TargetKind; propagationFlags: number }
  /** personality(2): config-linux.md#personality. */
  | { op: 'personality'; persona: number; domain: string }
  /** ioprio_set(2) value: class << 13 | priority. */
  | { op: 'ioprio'; value: number }
  /** sched_setattr(2). */
  | {
      op: 'scheduler';
      policy: number;
      flags: number;
      nice: number;
      priority: number;
      runtime: bigint;
      deadline: bigint;
      period: bigint;
    }
  /** keyctl(KEYCTL_JOIN_SESSION_KEYRING, name): a new session keyring (runc's default). */
  | { op: 'session_keyring'; name: string }
  /** The AppArmor profile for the next execve. */
  | { op: 'apparmor'; profile: string };

export interface Plan {
  ops: PlanOp[];
}
