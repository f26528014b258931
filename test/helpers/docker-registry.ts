/** Starts the CNCF registry (Debian's docker-registry) on 127.0.0.1 for interop tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Runs `docker-registry serve` with its storage under `dir`, listening on `host` (127.0.0.1:PORT),
 * and resolves once /v2/ answers. `deletes` enables the delete API.
 */
export async function startDockerRegistry(
  dir: string,
  host: string,
  opts: { deletes?: boolean } = {},
): Promise<ChildProcess> {
  const storage = `{filesystem: {rootdirectory: ${join(dir, 'data')}}${opts.deletes ? ', delete: {enabled: true}' : ''}}`;
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1\nlog: {level: error}\nstorage: ${storage}\nhttp: {addr: ${host}}\n`,
  );
  const registry = spawn('/usr/bin/docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://${host}/v2/`)).ok) return registry;
    } catch {
      if (i > 100 || registry.exitCode !== null) {
        registry.kill();
        throw new Error(`docker-registry did not start on ${host}`);
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
