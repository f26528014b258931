/**
 * Validation of a runtime-spec v1.3.0 config.json for Linux (config.md, config-linux.md). Every
 * problem is collected, each with its JSON path and the section that decides it. Unknown
 * properties are never reported: config.md#extensibility says runtimes MUST ignore them.
 */
import type { ValidationProblem } from '../../errors.js';
import { Checker, childPath, type JsonObject, range } from '../validate/checker.js';
import { isAbsolutePath, semverMajor } from '../validate/grammar.js';
import { absolutePath, envList, idMappings, RS } from '../validate/runtime-common.js';
import { checkLinux } from '../validate/runtime-linux.js';
import { checkProcess } from '../validate/runtime-process.js';
import { HOOK_NAMES } from './types.js';

export interface RuntimeConfigOptions {
  /**
   * `process` is OPTIONAL in config.md#process but REQUIRED when start is called; hull's create
   * is always followed by start, so by default it is required.
   */
  requireProcess?: boolean;
}

/** Validates a parsed config.json; returns every problem found (empty when valid). */
export function validateRuntimeConfig(
  doc: unknown,
  file: string,
  options: RuntimeConfigOptions = {},
): ValidationProblem[] {
  const c = new Checker(file);
  if (!c.isObject(doc, '$', RS.version)) return c.problems;

  checkOciVersion(c, doc, RS.version);

  // config.md#root: OPTIONAL only on Windows; path REQUIRED.
  const root = c.object(doc, 'root', '$', RS.root, { required: true });
  if (root) {
    const path = c.string(root, 'path', '$.root', RS.root, { required: true });
    if (path === '') c.report('$.root.path', RS.root, 'must not be empty');
    c.boolean(root, 'readonly', '$.root', RS.root);
  }

  c.objectArray(doc, 'mounts', '$', RS.mounts, {}, (m, p) => checkMount(c, m, p));

  const process = c.object(doc, 'process', '$', RS.process, { required: options.requireProcess ?? true });
  if (process) checkProcess(c, process, '$.process');

  c.string(doc, 'hostname', '$', RS.hostname);
  c.string(doc, 'domainname', '$', RS.domainname);
  checkHooks(c, doc);
  // config.md#annotations: values strings, keys MUST NOT be empty.
  c.stringMap(doc, 'annotations', '$', RS.annotations, {}, (key, _v, p) => {
    if (key === '') c.report(p, RS.annotations, 'annotation keys MUST NOT be empty');
  });

  const linux = c.object(doc, 'linux', '$', RS.platform);
  if (linux) checkLinux(c, linux, '$.linux');
  return c.problems;
}

/** config.md#specification-version: SemVer 2.0.0; hull implements the 1.x line. */
function checkOciVersion(c: Checker, doc: JsonObject, section: string): void {
  const version = c.string(doc, 'ociVersion', '$', section, { required: true });
  if (version === undefined) return;
  const major = semverMajor(version);
  if (major === undefined) c.report('$.ociVersion', section, `'${version}' is not a SemVer 2.0.0 version`);
  else if (major !== 1) c.report('$.ociVersion', section, `version ${version} is not 1.x, which hull implements`);
}

const STATE = 'runtime-spec/runtime.md#state';

/** Validates a container state document (runtime.md#state), as `state` prints and hooks receive. */
export function validateState(doc: unknown, file: string): ValidationProblem[] {
  const c = new Checker(file);
  if (!c.isObject(doc, '$', STATE)) return c.problems;
  checkOciVersion(c, doc, STATE);
  const id = c.string(doc, 'id', '$', STATE, { required: true });
  if (id === '') c.report('$.id', STATE, 'must not be empty');
  // Runtimes MAY define statuses beyond the spec's four, so any string is accepted.
  const status = c.string(doc, 'status', '$', STATE, { required: true });
  // pid is REQUIRED on Linux when the status is created or running.
  const needPid = status === 'created' || status === 'running';
  c.integer(doc, 'pid', '$', STATE, range('pid', 0, 2 ** 31 - 1), { required: needPid });
  const bundle = c.string(doc, 'bundle', '$', STATE, { required: true });
  if (bundle !== undefined && !isAbsolutePath(bundle))
    c.report('$.bundle', STATE, `'${bundle}' must be an absolute path`);
  c.stringMap(doc, 'annotations', '$', STATE);
  return c.problems;
}

/** config.md#mounts and #posix-platform-mounts. */
function checkMount(c: Checker, mount: JsonObject, path: string): void {
  // config.md#mounts: on Linux a relative destination is deprecated but allowed, read relative to
  // "/", so it is not a problem here; the runtime resolves it.
  c.string(mount, 'destination', path, RS.mounts, { required: true });
  c.string(mount, 'source', path, RS.mounts);
  c.stringArray(mount, 'options', path, RS.mounts);
  c.string(mount, 'type', path, RS.posixMounts);
  const uid = idMappings(c, mount, 'uidMappings', path, RS.posixMounts);
  const gid = idMappings(c, mount, 'gidMappings', path, RS.posixMounts);
  // "If specified, it MUST be specified along with gidMappings" (and the other way round).
  if ((mount.uidMappings === undefined) !== (mount.gidMappings === undefined) && (uid || gid)) {
    const missing = mount.uidMappings === undefined ? 'uidMappings' : 'gidMappings';
    c.report(childPath(path, missing), RS.posixMounts, 'uidMappings and gidMappings MUST be specified together');
  }
}

/** config.md#posix-platform-hooks: path MUST be absolute; timeout, if set, MUST be greater than zero. */
function checkHooks(c: Checker, doc: JsonObject): void {
  const hooks = c.object(doc, 'hooks', '$', RS.hooks);
  if (!hooks) return;
  for (const name of HOOK_NAMES) {
    c.objectArray(hooks, name, '$.hooks', RS.hooks, {}, (hook, p) => {
      absolutePath(c, hook, 'path', p, RS.hooks, true);
      c.stringArray(hook, 'args', p, RS.hooks);
      envList(c, hook, 'env', p, RS.hooks);
      const timeout = c.field(hook, 'timeout', p, RS.hooks);
      if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout <= 0))
        c.report(
          childPath(p, 'timeout'),
          RS.hooks,
          `timeout must be an integer greater than zero, not ${JSON.stringify(timeout)}`,
        );
    });
  }
}
