/**
 * Runtime annotations from the image configuration (image-spec/conversion.md#annotation-fields,
 * #configexposedports, #annotations).
 *
 * - Each implicit annotation is set only when its image field is present: an absent field has no
 *   value to copy. (umoci writes empty strings for absent author/created/stopSignal/ports.)
 * - Values are copied verbatim (conversion.md#annotations: "MUST NOT modify the values");
 *   umoci re-formats `created`, we do not.
 * - Config.Labels win over every implicit annotation with the same key (conversion.md#annotations:
 *   "the value specified in Config.Labels MUST take precedence"). umoci 0.4.7 does the opposite
 *   (it writes labels first and then overwrites them with the implicit values).
 * - Manifest and index annotations are not read (conversion.md#annotations: SHOULD NOT).
 */
import type { ImageConfig } from '../../oci/types.js';

export const ImageAnnotation = {
  os: 'org.opencontainers.image.os',
  architecture: 'org.opencontainers.image.architecture',
  variant: 'org.opencontainers.image.variant',
  osVersion: 'org.opencontainers.image.os.version',
  osFeatures: 'org.opencontainers.image.os.features',
  author: 'org.opencontainers.image.author',
  created: 'org.opencontainers.image.created',
  stopSignal: 'org.opencontainers.image.stopSignal',
  exposedPorts: 'org.opencontainers.image.exposedPorts',
} as const;

/**
 * The comma-separated keys of Config.ExposedPorts, sorted by code unit so the value does not
 * depend on JSON key order (umoci sorts the same way: "443/tcp,80/tcp,8080").
 */
export function exposedPortsValue(ports: Record<string, object> | null | undefined): string | undefined {
  const keys = Object.keys(ports ?? {});
  if (keys.length === 0) return undefined;
  return keys.sort().join(',');
}

export function imageAnnotations(image: ImageConfig): Record<string, string> {
  const out: Record<string, string> = {};
  const set = (key: string, value: string | null | undefined): void => {
    if (typeof value === 'string' && value !== '') out[key] = value;
  };
  const cfg = image.config ?? undefined;
  set(ImageAnnotation.os, image.os);
  set(ImageAnnotation.architecture, image.architecture);
  set(ImageAnnotation.variant, image.variant);
  set(ImageAnnotation.osVersion, image['os.version']);
  // An array in the image, a string in annotations: joined with ',' like exposedPorts.
  if (Array.isArray(image['os.features']) && image['os.features'].length > 0) {
    out[ImageAnnotation.osFeatures] = image['os.features'].join(',');
  }
  set(ImageAnnotation.author, image.author);
  set(ImageAnnotation.created, image.created);
  set(ImageAnnotation.stopSignal, cfg?.StopSignal);
  set(ImageAnnotation.exposedPorts, exposedPortsValue(cfg?.ExposedPorts));
  // Labels last: they take precedence over every implicit key.
  for (const [key, value] of Object.entries(cfg?.Labels ?? {})) {
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}
