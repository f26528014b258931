/**
 * hull-runtime: a runc-compatible command line over the runtime-spec operations (runtime.md
 * #operations). Start-up time matters (every container start pays it), so this module imports
 * only the argument parser and logger; each verb loads its own module on demand.
 */
import { HullError } from '../../errors.js';
import { bool, type FlagSpec, type Parsed, parseFlags, str } from './args.js';
import { type Logger, makeLogger } from './log.js';

const VERSION = '0.1.0';
const SPEC_VERSION = '1.3.0';

const GLOBAL: FlagSpec = {
  values: ['root', 'log', 'log-format', 'criu', 'rootless'],
  bools: ['debug', 'systemd-cgroup', 'version', 'help'],
  aliases: { v: 'version', h: 'help' },
};

const USAGE = `usage: hull-runtime [global flags] COMMAND [flags] [args]

commands:
  create ID --bundle DIR [--pid-file F] [--no-pivot] [--no-new-keyring] [--preserve-fds N]
  start ID
  state ID
  kill ID [SIGNAL] [--all]
  delete ID [--force]
  run ID --bundle DIR [--detach] [--pid-file F] [--no-pivot] [--preserve-fds N] [--console-socket S]
  exec ID [--process F | ARGS...] [-t] [--console-socket S] [-d] [--pid-file F] [-e K=V] [--cwd D] [-u UID[:GID]] [--cap C] [--no-new-privs] [--preserve-fds N]
  ps ID [--format table|json] [-- PS ARGS]
  pause ID, resume ID
  list [--format table|json] [-q]
  spec [--rootless] [--bundle DIR]
  features

global flags:
  --root DIR           state directory (default /run/hull-runtime)
  --log FILE           log file; --log-format text|json
  --debug              debug logging (includes the container plan)
  --systemd-cgroup     not supported (no systemd cgroup driver)
  --version, --help
`;

const CREATE_FLAGS: FlagSpec = {
  values: ['bundle', 'pid-file', 'console-socket', 'preserve-fds'],
  bools: ['no-pivot', 'no-new-keyring', 'detach', 'keep', 'no-subreaper'],
  aliases: { b: 'bundle', d: 'detach' },
};

/** runc's exec flags; repeatable ones (--env, --cap, --additional-gids) collect into Parsed.all. */
const EXEC_FLAGS: FlagSpec = {
  values: [
    'process',
    'console-socket',
    'pid-file',
    'env',
    'cwd',
    'user',
    'additional-gids',
    'cap',
    'preserve-fds',
    'apparmor',
    'process-label',
    'cgroup',
  ],
  bools: ['tty', 'detach', 'no-new-privs', 'ignore-paused', 'no-subreaper'],
  aliases: { t: 'tty', d: 'detach', e: 'env', u: 'user', c: 'cap', g: 'additional-gids', p: 'process' },
  repeat: ['env', 'additional-gids', 'cap'],
};

function only(argv: string[], spec: FlagSpec): Parsed {
  return parseFlags(argv, spec, false);
}

function id(p: Parsed): string {
  const v = p.positional[0];
  if (!v) throw new HullError('USAGE', 'a container id is required');
  return v;
}

async function dispatch(cmd: string, argv: string[], root: string, log: Logger): Promise<number> {
  switch (cmd) {
    case 'create':
    case 'run': {
      const p = only(argv, CREATE_FLAGS);
      const preserve = Number(str(p, 'preserve-fds') ?? 0);
      if (!Number.isInteger(preserve) || preserve < 0) throw new HullError('USAGE', '--preserve-fds needs a number');
      const opts = {
        root,
        id: id(p),
        bundle: str(p, 'bundle') ?? process.cwd(),
        pidFile: str(p, 'pid-file'),
        noPivot: bool(p, 'no-pivot'),
        noNewKeyring: bool(p, 'no-new-keyring'),
        preserveFds: preserve,
        consoleSocket: str(p, 'console-socket'),
        log,
      };
      if (cmd === 'create') {
        const { create } = await import('../ops/create.js');
        const c = await create(opts);
        c.child?.unref();
        return 0;
      }
      const { run } = await import('../ops/run.js');
      return run({ ...opts, detach: bool(p, 'detach') });
    }
    case 'start': {
      const { start } = await import('../ops/start.js');
      await start(root, id(only(argv, { values: [], bools: [] })));
      return 0;
    }
    case 'state': {
      const { state } = await import('../ops/state.js');
      process.stdout.write(`${JSON.stringify(state(root, id(only(argv, { values: [], bools: [] }))), null, 2)}\n`);
      return 0;
    }
    case 'kill': {
      const p = only(argv, { values: [], bools: ['all'], aliases: { a: 'all' } });
      const { kill } = await import('../ops/kill.js');
      await kill(root, id(p), p.positional[1], bool(p, 'all'));
      return 0;
    }
    case 'delete': {
      const p = only(argv, { values: [], bools: ['force'], aliases: { f: 'force' } });
      const { del } = await import('../ops/delete.js');
      await del(root, id(p), bool(p, 'force'), log);
      return 0;
    }
    case 'list': {
      const p = only(argv, { values: ['format'], bools: ['quiet'], aliases: { q: 'quiet', f: 'format' } });
      const { list, formatList } = await import('../ops/list.js');
      process.stdout.write(formatList(list(root), str(p, 'format') ?? 'table', bool(p, 'quiet')));
      return 0;
    }
    case 'spec': {
      const p = only(argv, { values: ['bundle'], bools: ['rootless'], aliases: { b: 'bundle' } });
      const { spec } = await import('../ops/spec.js');
      spec(str(p, 'bundle') ?? process.cwd(), bool(p, 'rootless'));
      return 0;
    }
    case 'features': {
      const { features } = await import('../ops/features.js');
      process.stdout.write(`${JSON.stringify(features(), null, 2)}\n`);
      return 0;
    }
    case 'exec': {
      const p = parseFlags(argv, EXEC_FLAGS, true);
      const [cid, ...args] = p.rest;
      const preserveFds = Number(str(p, 'preserve-fds') ?? 0);
      if (!Number.isInteger(preserveFds) || preserveFds < 0)
        throw new HullError('USAGE', '--preserve-fds needs a number');
      const list = (name: string) => p.all?.get(name) ?? [];
      const { exec } = await import('../ops/exec.js');
      try {
        return await exec({
          root,
          id: cid ?? id(p),
          processFile: str(p, 'process'),
          args: args[0] === '--' ? args.slice(1) : args,
          tty: bool(p, 'tty'),
          consoleSocket: str(p, 'console-socket'),
          detach: bool(p, 'detach'),
          pidFile: str(p, 'pid-file'),
          env: list('env'),
          cwd: str(p, 'cwd'),
          user: str(p, 'user'),
          additionalGids: list('additional-gids'),
          caps: list('cap'),
          noNewPrivs: bool(p, 'no-new-privs'),
          preserveFds,
          log,
        });
      } catch (err) {
        // runc exits 255 when the process could not be started.
        if (!(err instanceof HullError) || err.code === 'USAGE') throw err;
        log.error(err.message);
        process.stderr.write(`hull-runtime: ${err.message.replace(/\n/g, ' ')}\n`);
        return 255;
      }
    }
    case 'ps': {
      const p = only(argv, { values: ['format'], bools: [], aliases: { f: 'format' } });
      const { ps } = await import('../ops/ps.js');
      process.stdout.write(await ps(root, id(p), str(p, 'format') ?? 'table', p.positional.slice(1)));
      return 0;
    }
    case 'pause':
    case 'resume': {
      const cid = id(only(argv, { values: [], bools: [] }));
      if (cmd === 'pause') await (await import('../ops/pause.js')).pause(root, cid);
      else await (await import('../ops/resume.js')).resume(root, cid);
      return 0;
    }
    case 'update':
    case 'events':
    case 'checkpoint':
    case 'restore':
      throw new HullError('UNSUPPORTED', `${cmd} is not implemented by hull-runtime yet`);
    default:
      throw new HullError('USAGE', `unknown command ${JSON.stringify(cmd)}; see hull-runtime --help`);
  }
}

export async function main(argv: string[]): Promise<void> {
  let log: Logger = makeLogger({});
  try {
    const g = parseFlags(argv, GLOBAL, true);
    log = makeLogger({ file: str(g, 'log'), format: str(g, 'log-format'), debug: bool(g, 'debug') });
    if (bool(g, 'version')) {
      process.stdout.write(`hull-runtime version ${VERSION}\nspec: ${SPEC_VERSION}\n`);
      return;
    }
    const [cmd, ...rest] = g.rest;
    if (bool(g, 'help') || !cmd || cmd === 'help') {
      process.stdout.write(USAGE);
      return;
    }
    if (bool(g, 'systemd-cgroup'))
      throw new HullError(
        'UNSUPPORTED',
        '--systemd-cgroup: hull-runtime has no systemd cgroup driver; use cgroupfs (drop the flag)',
      );
    const fmt = str(g, 'log-format');
    if (fmt !== undefined && fmt !== 'text' && fmt !== 'json')
      throw new HullError('USAGE', `--log-format must be text or json, not ${fmt}`);
    const code = await dispatch(cmd, rest, str(g, 'root') ?? '/run/hull-runtime', log);
    process.exitCode = code;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    log.error(msg);
    process.stderr.write(`hull-runtime: ${msg.replace(/\n/g, ' ')}\n`);
    process.exitCode = err instanceof HullError && err.code === 'USAGE' ? 2 : 1;
  }
}
