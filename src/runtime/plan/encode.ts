/**
 * The plan's wire encoding (docs/runtime-plan.md#encoding): no JSON parser in C, so every op is
 * `u32 code; u32 nfields; { u32 len; bytes[len] } * nfields`, little-endian, after the header
 * `"HULLPLN1" u32 nops`. Numbers travel as decimal ASCII (strtoll/strtoull on the C side), so a
 * hexdump of the plan is readable and no field has a width to get wrong.
 */
import { OP, type Plan, type PlanOp } from './ops.js';

export const PLAN_MAGIC = 'HULLPLN1';

type Field = string | number | bigint | boolean;

/** The fields of each op, in wire order (docs/runtime-plan.md#ops). */
export function opFields(o: PlanOp): Field[] {
  switch (o.op) {
    case 'setns':
      return [o.nstype, o.path];
    case 'clone':
    case 'unshare':
      return [o.flags];
    case 'uid_map':
    case 'gid_map':
      return [o.map];
    case 'cgroup_join':
      return [o.procs];
    case 'root_propagation':
      return [o.flags];
    case 'bind_rootfs':
      return [o.path];
    case 'mount':
      return [o.source, o.target, o.fstype, o.flags, o.data, o.remountFlags, o.propagationFlags, o.kind];
    case 'mknod':
      return [o.path, o.type, o.major, o.minor, o.mode, o.uid, o.gid, o.bind ? 1 : 0];
    case 'symlink':
      return [o.target, o.path];
    case 'open_fifo':
    case 'seccomp_listener':
      return [o.path];
    case 'hook':
      return [o.path, o.timeout, o.args.length, ...o.args, ...o.env];
    case 'mask':
    case 'readonly':
    case 'chdir':
      return [o.path];
    case 'sysctl':
      return [o.key, o.value];
    case 'hostname':
    case 'domainname':
      return [o.name];
    case 'rlimit':
      return [o.resource, o.soft, o.hard];
    case 'oom_score_adj':
      return [o.value];
    case 'seccomp_init':
      return [o.defaultAction, ...o.flags];
    case 'seccomp_arch':
      return [o.arch];
    case 'seccomp_rule':
      return [o.syscall, o.action, ...o.args.flatMap((a) => [a.index, a.op, a.value, a.valueTwo])];
    case 'seccomp_load':
      return [o.listenerPath, o.metadata];
    case 'capbset':
      return [o.keep];
    case 'setuser':
      return [o.uid, o.gid, ...o.groups];
    case 'capset':
      return [o.effective, o.permitted, o.inheritable];
    case 'ambient':
      return [o.caps];
    case 'umask':
      return [o.mask];
    case 'close_fds':
      return [o.from];
    case 'resolve_exec':
      return [o.name, o.path];
    case 'exec':
      return [o.args.length, ...o.args, ...o.env];
    case 'console_socket':
      return [o.path];
    case 'cgroup_open':
      return [o.procs];
    case 'console':
      return [o.rows, o.cols, o.mountConsole ? 1 : 0];
    case 'timens':
      return [o.offsets];
    case 'cpu_affinity':
      return [...o.cpus];
    case 'idmap_mount':
      return [o.source, o.recursive ? 1 : 0, o.attr, o.uidMap, o.gidMap];
    case 'mount_fd':
      return [o.index, o.target, o.kind, o.propagationFlags];
    case 'personality':
      return [o.persona];
    case 'ioprio':
      return [o.value];
    case 'scheduler':
      return [o.policy, o.flags, o.nice, o.priority, o.runtime, o.deadline, o.period];
    case 'session_keyring':
      return [o.name];
    case 'apparmor':
      return [o.profile];
    default:
      return [];
  }
}

function fieldText(f: Field): string {
  if (typeof f === 'boolean') return f ? '1' : '0';
  if (typeof f === 'number' && !Number.isInteger(f)) throw new Error(`plan field ${f} is not an integer`);
  return String(f);
}

/** Sized first, then written into one buffer: a plan is a few hundred fields, each once. */
export function encodePlan(plan: Plan): Buffer {
  const ops = plan.ops.map((o) => {
    const fields = opFields(o).map(fieldText);
    for (const f of fields) if (f.includes('\0')) throw new Error(`plan op ${o.op}: a field contains a NUL byte`);
    return { code: OP[o.op], fields };
  });
  let size = PLAN_MAGIC.length + 4;
  for (const o of ops) {
    size += 8;
    for (const f of o.fields) size += 4 + Buffer.byteLength(f, 'utf8');
  }
  const buf = Buffer.allocUnsafe(size);
  let off = buf.write(PLAN_MAGIC, 0, 'ascii');
  off = buf.writeUInt32LE(ops.length, off);
  for (const o of ops) {
    off = buf.writeUInt32LE(o.code, off);
    off = buf.writeUInt32LE(o.fields.length, off);
    for (const f of o.fields) {
      const len = buf.write(f, off + 4, 'utf8');
      off = buf.writeUInt32LE(len, off) + len;
    }
  }
  return buf;
}

/** The inverse, for tests and `--debug` dumps: op names and raw string fields. */
export function decodePlan(buf: Buffer): { op: string; fields: string[] }[] {
  if (buf.subarray(0, 8).toString('ascii') !== PLAN_MAGIC) throw new Error('not a hull plan');
  const names = new Map<number, string>(Object.entries(OP).map(([k, v]) => [v, k]));
  let off = 8;
  const n = buf.readUInt32LE(off);
  off += 4;
  const out: { op: string; fields: string[] }[] = [];
  for (let i = 0; i < n; i++) {
    const code = buf.readUInt32LE(off);
    const nf = buf.readUInt32LE(off + 4);
    off += 8;
    const fields: string[] = [];
    for (let j = 0; j < nf; j++) {
      const len = buf.readUInt32LE(off);
      fields.push(buf.subarray(off + 4, off + 4 + len).toString('utf8'));
      off += 4 + len;
    }
    out.push({ op: names.get(code) ?? `#${code}`, fields });
  }
  if (off !== buf.length) throw new Error(`plan has ${buf.length - off} trailing bytes`);
  return out;
}

/** JSON for `--debug` logs: bigints as decimal strings. */
export function planJson(plan: Plan): string {
  return JSON.stringify(plan, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}
