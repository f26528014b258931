/**
 * Debian fixtures for unpack tests and benchmarks, cached like those of fixtures.ts
 * ($HULL_FIXTURES/<name>). The scripts build in a sibling temp dir and rename into place
 * themselves, so they are handed the final path; they need root (debootstrap, umoci).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir, repoRoot } from './fixtures.js';

// debootstrap took 35 s and the image 10 s on the dev VM; a slow mirror can take many minutes.
const timeout = 30 * 60_000;

function script(name: string, file: string): string {
  const out = join(fixturesDir, name);
  if (existsSync(out)) return out;
  execFileSync('sh', [join(repoRoot, 'scripts/fixtures', file), out], {
    stdio: 'pipe',
    timeout,
    env: { ...process.env, HULL_FIXTURES: fixturesDir },
  });
  return out;
}

/** A Debian bookworm minbase root filesystem (scripts/fixtures/debian-rootfs.sh). */
export function debianRootfs(): string {
  return script('debian-rootfs', 'debian-rootfs.sh');
}

/** Tag of the image in debianImage()'s layout. */
export const debianTag = 'debian:bench';

/**
 * An OCI image layout holding `debian:bench`: 3 gzip layers, ~141 MB of tar, 103 whiteouts of
 * which one opaque (scripts/fixtures/debian-image.sh).
 */
export function debianImage(): string {
  debianRootfs();
  return script('debian-image', 'debian-image.sh');
}
