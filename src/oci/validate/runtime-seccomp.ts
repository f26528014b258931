/** `linux.seccomp` of runtime-spec config.json (config-linux.md#seccomp, libseccomp v2.6.0 names). */
import { SECCOMP_ACTIONS, SECCOMP_ARCHES, SECCOMP_FLAGS, SECCOMP_OPERATORS } from '../runtime/types.js';
import { type Checker, childPath, Int, type JsonObject, range } from './checker.js';
import { enumList, RS } from './runtime-common.js';

// seccomp(2): a filter sees six syscall arguments, args[0] to args[5].
const ARG_INDEX = range('syscall argument index', 0, 5);

export function checkSeccomp(c: Checker, seccomp: JsonObject, path: string): void {
  const s = RS.seccomp;
  c.oneOf(seccomp, 'defaultAction', path, s, SECCOMP_ACTIONS, { required: true });
  c.integer(seccomp, 'defaultErrnoRet', path, s, Int.uint32);
  enumList(c, seccomp, 'architectures', path, s, SECCOMP_ARCHES);
  enumList(c, seccomp, 'flags', path, s, SECCOMP_FLAGS);
  const listener = c.string(seccomp, 'listenerPath', path, s);
  c.string(seccomp, 'listenerMetadata', path, s);
  // "This field MUST NOT be set if listenerPath is not set."
  if (seccomp.listenerMetadata !== undefined && listener === undefined && seccomp.listenerPath === undefined)
    c.report(childPath(path, 'listenerMetadata'), s, 'listenerMetadata MUST NOT be set without listenerPath');
  c.objectArray(seccomp, 'syscalls', path, s, {}, (rule, p) => {
    const names = c.stringArray(rule, 'names', p, s, { required: true });
    if (names && names.length === 0) c.report(childPath(p, 'names'), s, 'names MUST contain at least one entry');
    c.oneOf(rule, 'action', p, s, SECCOMP_ACTIONS, { required: true });
    c.integer(rule, 'errnoRet', p, s, Int.uint32);
    c.objectArray(rule, 'args', p, s, {}, (arg, q) => {
      c.integer(arg, 'index', q, s, ARG_INDEX, { required: true });
      c.integer(arg, 'value', q, s, Int.uint64, { required: true });
      c.integer(arg, 'valueTwo', q, s, Int.uint64);
      c.oneOf(arg, 'op', q, s, SECCOMP_OPERATORS, { required: true });
    });
  });
}
