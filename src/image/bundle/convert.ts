/**
 * Image configuration → runtime config.json (image-spec/conversion.md), templated on
 * defaultSpec() (the `runc spec` defaults, default-spec.ts).
 *
 * Implementation-defined choices (conversion.md lets a converter pick these), and where they
 * differ from umoci 0.4.7's `umoci unpack`:
 * - process.args = Entrypoint ++ Cmd (conversion.md#verbatim-fields note 2). When both are empty
 *   args is [] — the image names no command, and we do not invent one. umoci keeps the template's
 *   ["sh"]. A config.json with empty args is not runnable (runtime-spec/config.md#process needs
 *   at least one entry), so a caller must supply the command, as `docker run IMAGE CMD` does.
 * - root.readonly is false (umoci does the same): images expect a writable root filesystem;
 *   runc's template's read-only root is for its example only.
 * - HOME is added from the matched passwd entry, as umoci and Docker do, but only when Config.Env
 *   does not set HOME (conversion.md note 1: SHOULD NOT add a name present in Config.Env);
 *   umoci overwrites the image's HOME.
 * - TERM=xterm is a default only when process.terminal is true.
 * - Config.Volumes: each becomes a tmpfs mount with umoci's options, in sorted order
 *   (conversion.md#optional-fields note 2: SHOULD provide mounts so application data is not
 *   written to the root filesystem). A tmpfs is not seeded with the image's data at that path
 *   (the spec's MAY). `volumes: 'ignore'` leaves them out, for callers that mount their own.
 * - Config.Memory, MemorySwap and CpuShares are reserved in image-spec v1.1
 *   (config.md#properties) and conversion.md maps no field to linux.resources, so they are not
 *   applied unless `reservedResources: true` asks for it (Docker and umoci never apply them).
 * - hostname stays the template's "hull".
 */
import { HullError } from '../../errors.js';
import type { ImageConfig } from '../../oci/types.js';
import { imageAnnotations } from './annotations.js';
import { defaultSpec } from './default-spec.js';
import { addEnvDefault, mergeEnv } from './env.js';
import type { RuntimeSpec, SpecMount, SpecResources } from './spec-types.js';
import { resolveUser } from './user.js';

export interface ConvertOptions {
  /** process.terminal (default true, as `runc spec` and `umoci unpack`). */
  terminal?: boolean;
  /** root.path, relative to the bundle (default 'rootfs', runtime-spec/bundle.md). */
  rootfsName?: string;
  /** Start from the `runc spec --rootless` template. */
  rootless?: boolean;
  /** Config.Volumes handling: tmpfs mounts (default) or none. */
  volumes?: 'tmpfs' | 'ignore';
  /** Map the reserved Memory/MemorySwap/CpuShares fields to linux.resources (default false). */
  reservedResources?: boolean;
}

/** umoci's options for a volume tmpfs: writable, but no setuid, devices or exec. */
export const VOLUME_TMPFS_OPTIONS = ['rw', 'nosuid', 'nodev', 'noexec', 'relatime'];

function volumeMounts(volumes: Record<string, object> | null | undefined): SpecMount[] {
  return Object.keys(volumes ?? {})
    .sort()
    .map((destination) => ({ destination, type: 'tmpfs', source: 'none', options: [...VOLUME_TMPFS_OPTIONS] }));
}

function reservedResources(image: ImageConfig): SpecResources | undefined {
  const cfg = image.config;
  if (!cfg) return undefined;
  const out: SpecResources = {};
  const positive = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n > 0;
  if (positive(cfg.Memory) || positive(cfg.MemorySwap)) {
    out.memory = {};
    if (positive(cfg.Memory)) out.memory.limit = cfg.Memory;
    if (positive(cfg.MemorySwap)) out.memory.swap = cfg.MemorySwap;
  }
  if (positive(cfg.CpuShares)) out.cpu = { shares: cfg.CpuShares };
  return out.memory || out.cpu ? out : undefined;
}

/**
 * The runtime configuration for `image` unpacked at rootfsDir (read only to resolve
 * Config.User inside the rootfs). Throws HullError USER_UNKNOWN for a user or group that
 * is not in the rootfs, IMAGE_CONFIG_INVALID for a malformed Env entry or a non-Linux image.
 */
export function convertImageConfig(image: ImageConfig, rootfsDir: string, opts: ConvertOptions = {}): RuntimeSpec {
  if (image.os !== 'linux') {
    throw new HullError(
      'IMAGE_CONFIG_INVALID',
      `image os is ${JSON.stringify(image.os)}; only linux images can be run`,
      {
        jsonPath: '$.os',
        section: 'image-spec/config.md#properties',
      },
    );
  }
  const terminal = opts.terminal ?? true;
  const spec = defaultSpec({ terminal, rootless: opts.rootless ?? false });
  // defaultSpec always sets these; the checks narrow the optional types.
  const proc = spec.process;
  const linux = spec.linux;
  if (!proc || !linux) throw new Error('defaultSpec without process or linux');
  const cfg = image.config ?? {};

  spec.root = { path: opts.rootfsName ?? 'rootfs', readonly: false };

  proc.args = [...(cfg.Entrypoint ?? []), ...(cfg.Cmd ?? [])];
  proc.cwd = cfg.WorkingDir ? cfg.WorkingDir : '/';
  proc.env = mergeEnv(proc.env ?? [], cfg.Env);

  const user = resolveUser(cfg.User ?? undefined, rootfsDir);
  proc.user = { uid: user.uid, gid: user.gid };
  if (user.additionalGids.length > 0) proc.user.additionalGids = user.additionalGids;
  if (user.home) proc.env = addEnvDefault(proc.env, 'HOME', user.home);

  if ((opts.volumes ?? 'tmpfs') === 'tmpfs') {
    spec.mounts = [...(spec.mounts ?? []), ...volumeMounts(cfg.Volumes)];
  }

  if (opts.reservedResources) {
    const res = reservedResources(image);
    if (res) linux.resources = { ...(linux.resources ?? {}), ...res };
  }

  const annotations = imageAnnotations(image);
  if (Object.keys(annotations).length > 0) spec.annotations = annotations;
  return spec;
}

// Re-exported so callers converting and writing a bundle need one import.
export { writeBundleConfig } from './write.js';
