/**
 * Image configurations (image-spec/config.md), also Docker's image JSON v1.2 which shares the
 * shape (image-spec/media-types.md#compatibility-matrix). Per config.md#properties any OPTIONAL
 * field MAY be null, which means absent.
 */
import type { ValidationProblem } from '../../errors.js';
import { digestProblem } from '../digest.js';
import { Checker, childPath, Int, type JsonObject } from './checker.js';
import { checkAnnotations } from './descriptor.js';
import { isEnvEntry, isRfc3339 } from './grammar.js';

const SECTION = 'image-spec/config.md#properties';
const DIFF_ID_SECTION = 'image-spec/config.md#layer-diffid';

// config.md#properties ExposedPorts: `port/tcp`, `port/udp` or `port` (tcp by default). Docker also
// writes `port/sctp` (moby's nat.Port), and real images carry it, so it is accepted too.
const EXPOSED_PORT = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/;

function checkCreated(c: Checker, obj: JsonObject, path: string): void {
  const created = c.string(obj, 'created', path, SECTION);
  if (created !== undefined && !isRfc3339(created))
    c.report(childPath(path, 'created'), SECTION, `'${created}' is not an RFC 3339 section 5.6 date-time`);
}

/** A `map[string]struct{}` serialization: every value an object (usually `{}`). */
function checkSet(
  c: Checker,
  obj: JsonObject,
  key: string,
  path: string,
  checkKey?: (k: string, p: string) => void,
): void {
  const set = c.object(obj, key, path, SECTION);
  if (!set) return;
  const base = childPath(path, key);
  for (const [k, v] of Object.entries(set)) {
    const p = childPath(base, k);
    checkKey?.(k, p);
    c.isObject(v, p, SECTION);
  }
}

/** Entrypoint and Cmd: arrays of strings, or null (config.md#properties: null is absent). */
function checkExecConfig(c: Checker, cfg: JsonObject, path: string): void {
  c.string(cfg, 'User', path, SECTION);
  checkSet(c, cfg, 'ExposedPorts', path, (k, p) => {
    const m = EXPOSED_PORT.exec(k);
    const port = m ? Number(m[1]) : 0;
    if (!m || port < 1 || port > 65535)
      c.report(p, SECTION, `'${k}' is not 'port', 'port/tcp' or 'port/udp' (port 1-65535)`);
  });
  c.stringArray(cfg, 'Env', path, SECTION, {}, (entry, p) => {
    if (!isEnvEntry(entry)) c.report(p, SECTION, `'${entry}' is not in the format VARNAME=VARVALUE`);
  });
  c.stringArray(cfg, 'Entrypoint', path, SECTION);
  c.stringArray(cfg, 'Cmd', path, SECTION);
  checkSet(c, cfg, 'Volumes', path);
  c.string(cfg, 'WorkingDir', path, SECTION);
  // Labels "MUST use the annotation rules" (annotations.md#rules).
  checkAnnotations(c, cfg, 'Labels', path);
  c.string(cfg, 'StopSignal', path, SECTION);
  c.boolean(cfg, 'ArgsEscaped', path, SECTION);
  // Reserved for Docker compatibility (media-types.md#compatibility-matrix).
  c.integer(cfg, 'Memory', path, SECTION, Int.int64);
  c.integer(cfg, 'MemorySwap', path, SECTION, Int.int64);
  c.integer(cfg, 'CpuShares', path, SECTION, Int.int64);
  c.object(cfg, 'Healthcheck', path, SECTION);
}

function checkRootfs(c: Checker, doc: JsonObject): void {
  const rootfs = c.object(doc, 'rootfs', '$', SECTION, { required: true });
  if (!rootfs) return;
  // "MUST be set to layers. Implementations MUST generate an error if they encounter a unknown value".
  const type = c.string(rootfs, 'type', '$.rootfs', SECTION, { required: true });
  if (type !== undefined && type !== 'layers') c.report('$.rootfs.type', SECTION, `must be 'layers', not '${type}'`);
  c.stringArray(rootfs, 'diff_ids', '$.rootfs', SECTION, { required: true }, (id, p) => {
    const problem = digestProblem(id);
    if (problem) c.report(p, DIFF_ID_SECTION, problem);
  });
}

function checkHistory(c: Checker, doc: JsonObject): void {
  c.objectArray(doc, 'history', '$', SECTION, {}, (entry, p) => {
    checkCreated(c, entry, p);
    c.string(entry, 'author', p, SECTION);
    c.string(entry, 'created_by', p, SECTION);
    c.string(entry, 'comment', p, SECTION);
    c.boolean(entry, 'empty_layer', p, SECTION);
  });
}

/** Checks an image configuration, collecting every problem. */
export function checkImageConfig(c: Checker, doc: unknown): void {
  if (!c.isObject(doc, '$', SECTION)) return;
  checkCreated(c, doc, '$');
  c.string(doc, 'author', '$', SECTION);
  c.string(doc, 'architecture', '$', SECTION, { required: true });
  c.string(doc, 'os', '$', SECTION, { required: true });
  c.string(doc, 'os.version', '$', SECTION);
  c.stringArray(doc, 'os.features', '$', SECTION);
  c.string(doc, 'variant', '$', SECTION);
  const cfg = c.object(doc, 'config', '$', SECTION);
  if (cfg) checkExecConfig(c, cfg, '$.config');
  checkRootfs(c, doc);
  checkHistory(c, doc);
}

/** Validates an image configuration; returns every problem found. */
export function validateImageConfig(doc: unknown, file: string): ValidationProblem[] {
  const c = new Checker(file, { nullIsAbsent: true });
  checkImageConfig(c, doc);
  return c.problems;
}
