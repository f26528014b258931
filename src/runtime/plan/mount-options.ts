/**
 * config.md#mounts `options` → mount(2) flags, propagation flags and the fs data string, with
 * the option names of mount(8) (config.md#posix-platform-mounts: "options ... supported by
 * mount(8)") and runc's handling of bind mounts: flags such as `ro` are ignored by the kernel on
 * MS_BIND and need a second MS_REMOUNT|MS_BIND mount.
 */
export const MS = {
  RDONLY: 1,
  NOSUID: 2,
  NODEV: 4,
  NOEXEC: 8,
  SYNCHRONOUS: 16,
  REMOUNT: 32,
  MANDLOCK: 64,
  DIRSYNC: 128,
  NOSYMFOLLOW: 256,
  NOATIME: 1024,
  NODIRATIME: 2048,
  BIND: 4096,
  MOVE: 8192,
  REC: 16384,
  SILENT: 32768,
  UNBINDABLE: 1 << 17,
  PRIVATE: 1 << 18,
  SLAVE: 1 << 19,
  SHARED: 1 << 20,
  RELATIME: 1 << 21,
  I_VERSION: 1 << 23,
  STRICTATIME: 1 << 24,
  LAZYTIME: 1 << 25,
} as const;

/** option → [clear?, flag]. */
const FLAGS: Record<string, [boolean, number]> = {
  defaults: [false, 0],
  ro: [false, MS.RDONLY],
  rw: [true, MS.RDONLY],
  nosuid: [false, MS.NOSUID],
  suid: [true, MS.NOSUID],
  nodev: [false, MS.NODEV],
  dev: [true, MS.NODEV],
  noexec: [false, MS.NOEXEC],
  exec: [true, MS.NOEXEC],
  sync: [false, MS.SYNCHRONOUS],
  async: [true, MS.SYNCHRONOUS],
  remount: [false, MS.REMOUNT],
  mand: [false, MS.MANDLOCK],
  nomand: [true, MS.MANDLOCK],
  dirsync: [false, MS.DIRSYNC],
  nosymfollow: [false, MS.NOSYMFOLLOW],
  symfollow: [true, MS.NOSYMFOLLOW],
  noatime: [false, MS.NOATIME],
  atime: [true, MS.NOATIME],
  nodiratime: [false, MS.NODIRATIME],
  diratime: [true, MS.NODIRATIME],
  bind: [false, MS.BIND],
  rbind: [false, MS.BIND | MS.REC],
  relatime: [false, MS.RELATIME],
  norelatime: [true, MS.RELATIME],
  strictatime: [false, MS.STRICTATIME],
  nostrictatime: [true, MS.STRICTATIME],
  silent: [false, MS.SILENT],
  loud: [true, MS.SILENT],
  iversion: [false, MS.I_VERSION],
  noiversion: [true, MS.I_VERSION],
  lazytime: [false, MS.LAZYTIME],
  nolazytime: [true, MS.LAZYTIME],
};

const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE,
  rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED,
  rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE,
  rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE,
  runbindable: MS.UNBINDABLE | MS.REC,
};

/** Options that are not mount(2) flags or data: runc's tmpcopyup (ignored); idmap/ridmap (plan/mounts.ts). */
const IGNORED = new Set(['tmpcopyup', 'idmap', 'ridmap']);

export interface ParsedOptions {
  flags: number;
  propagation: number;
  data: string;
  bind: boolean;
}

export function parseMountOptions(options: readonly string[] | undefined): ParsedOptions {
  let flags = 0;
  let propagation = 0;
  const data: string[] = [];
  for (const opt of options ?? []) {
    const f = FLAGS[opt];
    if (f) {
      flags = f[0] ? flags & ~f[1] : flags | f[1];
      continue;
    }
    const p = PROPAGATION[opt];
    if (p !== undefined) {
      propagation |= p;
      continue;
    }
    if (IGNORED.has(opt)) continue;
    data.push(opt);
  }
  return { flags, propagation, data: data.join(','), bind: (flags & MS.BIND) !== 0 };
}

/** The flags a bind mount needs re-applied with MS_REMOUNT|MS_BIND (the kernel ignores them on MS_BIND). */
export const BIND_REMOUNT_MASK =
  MS.RDONLY |
  MS.NOSUID |
  MS.NODEV |
  MS.NOEXEC |
  MS.NOATIME |
  MS.NODIRATIME |
  MS.RELATIME |
  MS.STRICTATIME |
  MS.NOSYMFOLLOW;

/** The option names hull understands, for `features` (features.md#mountoptions). */
export const MOUNT_OPTION_NAMES: string[] = [...Object.keys(FLAGS), ...Object.keys(PROPAGATION), ...IGNORED].sort();
