/**
 * `hull run -t` and `hull exec -t` through a real pseudo-terminal (script(1) gives hull one):
 * the container's process sees a /dev/pts terminal, its output comes back, its exit code too.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hullBin } from '../../helpers/fixtures.js';
import { run } from '../../helpers/run.js';
import { type EngineEnv, engineEnv, suffix } from './engine-env.js';

/** Runs hull under script(1), so its stdin/stdout are a pty; returns the terminal's text. */
function onTerminal(e: EngineEnv, args: string[], input = '') {
  const quoted = [process.execPath, hullBin, ...withRoot(args, e.root)].map((a) => `'${a.replace(/'/g, "'\\''")}'`);
  // -e: script exits with the command's status; stdin is a pipe script copies to the pty.
  const r = run('script', ['-qec', quoted.join(' '), '/dev/null'], { input });
  return { status: r.status, text: r.stdout.replace(/\r\n/g, '\n'), stderr: r.stderr };
}

function withRoot(args: string[], root: string): string[] {
  const [cmd, ...rest] = args;
  return [cmd as string, '--root', root, ...rest];
}

describe('hull -t on a terminal', () => {
  let e: EngineEnv;
  before(async () => {
    e = await engineEnv();
  });
  after(() => e?.close());

  it('run -t: the container gets a pty, its output and exit code come back', () => {
    const r = onTerminal(e, ['run', '--rm', '-t', '--network', 'none', e.image, 'sh', '-c', 'tty; stty size; exit 6']);
    assert.equal(r.status, 6, r.text + r.stderr);
    assert.match(r.text, /^\/dev\/pts\/\d+$/m);
  });

  it('run -it: input typed on the terminal reaches the container', () => {
    const r = onTerminal(
      e,
      ['run', '--rm', '-it', '--network', 'none', e.image, 'sh', '-c', 'read line; echo "got:$line"'],
      'typed\n',
    );
    assert.equal(r.status, 0, r.text + r.stderr);
    assert.match(r.text, /got:typed/);
  });

  for (const runtime of ['hull-runtime', 'runc'])
    it(`exec -t (${runtime}): the exec process gets a pty, its output and exit code come back`, () => {
      const name = `tty-${suffix()}`;
      e.ok(['run', '-d', '--runtime', runtime, '--network', 'none', '--name', name, e.image, 'sleep', '300']);
      const r = onTerminal(e, ['exec', '-t', name, 'sh', '-c', 'tty; exit 5']);
      assert.equal(r.status, 5, r.text + r.stderr);
      assert.match(r.text, /^\/dev\/pts\/\d+$/m);
      const i = onTerminal(e, ['exec', '-it', name, 'sh', '-c', 'read line; echo "exec got:$line"'], 'typed\n');
      assert.equal(i.status, 0, i.text + i.stderr);
      assert.match(i.text, /exec got:typed/);
      e.ok(['rm', '-f', name]);
    });
});
