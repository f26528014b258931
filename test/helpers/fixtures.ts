/**
 * Test fixtures built by scripts, cached per machine outside the repository
 * ($HULL_FIXTURES, default /var/tmp/hull-fixtures), each built into a temp dir and renamed into
 * place so parallel test files never see half a fixture.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

export const repoRoot = new URL('../../..', import.meta.url).pathname.replace(/\/$/, '');
export const fixturesDir = process.env.HULL_FIXTURES ?? '/var/tmp/hull-fixtures';

function cached(name: string, build: (dir: string) => void): string {
  const final = join(fixturesDir, name);
  if (existsSync(final)) return final;
  mkdirSync(fixturesDir, { recursive: true });
  const tmp = mkdtempSync(join(fixturesDir, `.${name}-`));
  try {
    build(join(tmp, 'out'));
    try {
      renameSync(join(tmp, 'out'), final);
    } catch (err) {
      if (!existsSync(final)) throw err; // another test file won the race
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return final;
}

/** A busybox root filesystem from the host's busybox-static (scripts/fixtures/busybox-rootfs.sh). */
export function busyboxRootfs(): string {
  return cached('busybox-rootfs', (dir) => {
    execFileSync('sh', [join(repoRoot, 'scripts/fixtures/busybox-rootfs.sh'), dir], { stdio: 'pipe' });
  });
}

/** A fresh temporary directory removed when the test file finishes. */
export function tempDir(prefix = 'hull-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Path to the hull CLI in this checkout. */
export const hullBin = join(repoRoot, 'bin', 'hull');
