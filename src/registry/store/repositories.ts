/**
 * Repository discovery for the catalog (distribution's /v2/_catalog) and NAME_UNKNOWN checks. A
 * repository is a directory under repositories/ holding `_manifests` or `_layers`; nested names
 * ("a/b/c") are found by descending into every child whose name is not `_`-prefixed (NAME_RE
 * components never start with `_`, so those are always the store's own directories).
 */
import type { StorageDriver } from '../storage/driver.js';
import { lexicalCompare, page } from './checks.js';
import { REPOSITORIES } from './layout.js';

const MARKERS = ['_manifests', '_layers'];

/** Every repository name, sorted (lexicalCompare). */
export async function allRepositories(driver: StorageDriver): Promise<string[]> {
  const out: string[] = [];
  const walk = async (name: string): Promise<void> => {
    const children = await driver.list(name ? `${REPOSITORIES}/${name}` : REPOSITORIES);
    if (name && children.some((c) => MARKERS.includes(c))) out.push(name);
    for (const child of children) if (!child.startsWith('_')) await walk(name ? `${name}/${child}` : child);
  };
  await walk('');
  return out.sort(lexicalCompare);
}

export async function listRepositories(driver: StorageDriver, opts?: { n?: number; last?: string }): Promise<string[]> {
  if (opts?.n === 0) return [];
  return page(await allRepositories(driver), opts);
}

export async function repositoryExists(driver: StorageDriver, repo: string): Promise<boolean> {
  for (const marker of MARKERS) if ((await driver.stat(`${REPOSITORIES}/${repo}/${marker}`))?.isDir) return true;
  return false;
}
