/**
 * The hooks the runtime runs in its own namespace (config.md#posix-platform-hooks): prestart,
 * createRuntime, poststart, poststop, each with the state JSON on stdin (runtime.md#state) and
 * `timeout` seconds honoured. createContainer and startContainer run inside the container and
 * are hull-init's (native/hull-init/hooks.c).
 */
import { HullError } from '../errors.js';
import type { Hook } from '../oci/runtime/types.js';

/**
 * Runs `hooks` one after the other; the first failure throws. Async only so that child_process
 * (with net, dgram and streams behind it, a few ms of every verb's start-up) is loaded when a
 * hook is configured: most containers have none, and start/delete never spawn anything else.
 */
export async function runHooks(
  stage: string,
  hooks: readonly Hook[] | undefined,
  state: Record<string, unknown>,
): Promise<void> {
  if (!hooks?.length) return;
  const { spawnSync } = await import('node:child_process');
  const input = JSON.stringify(state);
  hooks.forEach((h, i) => {
    const args = h.args ?? [h.path];
    const res = spawnSync(h.path, args.slice(1), {
      argv0: args[0] ?? h.path,
      input,
      env: Object.fromEntries((h.env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])),
      stdio: ['pipe', 'inherit', 'inherit'],
      timeout: h.timeout ? h.timeout * 1000 : undefined,
      killSignal: 'SIGKILL',
    });
    const where = `$.hooks.${stage}[${i}]`;
    let why: string | undefined;
    if (res.error && (res.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') why = `timed out after ${h.timeout}s`;
    else if (res.error) why = res.error.message;
    else if (res.signal) why = `killed by ${res.signal}`;
    else if (res.status !== 0) why = `exit status ${res.status}`;
    if (why) {
      throw new HullError('HOOK_FAILED', `${where}: ${stage} hook ${h.path} failed: ${why}`, {
        jsonPath: where,
        section: 'runtime-spec/runtime.md#lifecycle',
      });
    }
  });
}
