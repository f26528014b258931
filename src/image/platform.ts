/** Platforms as `os/arch[/variant]` strings, and the host's platform in OCI terms. */
import { HullError } from '../errors.js';
import type { Platform } from '../oci/types.js';

/** Node's process.arch → GOARCH values the image-spec uses (image-index.md#platform-variants). */
const ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
};

export function hostPlatform(): Platform {
  const architecture = ARCH[process.arch] ?? process.arch;
  const platform: Platform = { os: process.platform, architecture };
  if (architecture === 'arm64') platform.variant = 'v8';
  return platform;
}

export function parsePlatform(text: string): Platform {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/.test(p)))
    throw new HullError(
      'PLATFORM_INVALID',
      `invalid platform '${text}': expected OS/ARCH[/VARIANT], e.g. linux/amd64`,
      {
        section: 'image-spec/image-index.md#image-index-property-descriptions',
      },
    );
  const [os, architecture, variant] = parts as [string, string, string | undefined];
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}
