/** Image configuration → OCI runtime bundle config.json (image-spec/conversion.md). */
export { exposedPortsValue, ImageAnnotation, imageAnnotations } from './annotations.js';
export { type ConvertOptions, convertImageConfig, VOLUME_TMPFS_OPTIONS } from './convert.js';
export {
  DEFAULT_PATH,
  type DefaultSpecOptions,
  defaultSpec,
  RUNTIME_SPEC_VERSION,
  toRootless,
} from './default-spec.js';
export { addEnvDefault, mergeEnv, splitEnv } from './env.js';
export { type GroupEntry, type PasswdEntry, parseGroup, parsePasswd } from './etc-files.js';
export { readRootfsFile } from './rootfs-read.js';
export type * from './spec-types.js';
export { parseUserSpec, type ResolvedUser, resolveUser } from './user.js';
export { writeBundleConfig } from './write.js';
