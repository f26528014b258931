import { HullError } from '../../errors.js';
import { flag, stringOption } from '../args.js';
import { type CommandSpec, UsageError } from '../command.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** HOST as typed: docker-style URLs and paths are reduced to host[:port] (a /repo suffix is kept, as podman scopes it). */
export function loginKey(text: string): string {
  const key = text.replace(/^https?:\/\//, '').replace(/\/+$/, '');
  if (!key || /\s/.test(key)) throw new UsageError(`'${text}' is not a registry host`);
  return key === 'index.docker.io' || key === 'registry-1.docker.io' ? 'docker.io' : key;
}

export const loginCommand: CommandSpec = {
  name: 'login',
  summary:
    'Log in to a registry: check the credentials against /v2/ (with the token flow) and store them in auth.json.',
  usage: 'login [OPTIONS] HOST[:PORT]',
  positionals: [1, 1],
  options: {
    username: { type: 'string', short: 'u', description: 'user name (asked for on a terminal)', valueName: 'USER' },
    password: {
      type: 'string',
      short: 'p',
      description: 'password (prefer --password-stdin; asked for on a terminal)',
      valueName: 'PASS',
    },
    'password-stdin': { type: 'boolean', description: 'read the password from stdin' },
    'tls-verify': { type: 'string', description: 'verify TLS (false: also allow http)', valueName: 'BOOL' },
    authfile: {
      type: 'string',
      description: 'auth file to write (default: $XDG_RUNTIME_DIR/containers/auth.json)',
      valueName: 'FILE',
    },
  },
  async run(args) {
    const [hostText] = args.positionals as [string];
    const key = loginKey(hostText);
    let username = stringOption(args, 'username');
    let password = stringOption(args, 'password');
    const { canPrompt, promptLines } = await import('./login-prompt.js');
    if (flag(args, 'password-stdin')) {
      if (password !== undefined) throw new UsageError('--password and --password-stdin are exclusive');
      // stdin carries the password, so the user name cannot be asked for there too (as podman).
      if (!username) throw new UsageError('--password-stdin needs --username');
      password = await readStdin();
    }
    // On a terminal, ask for what the flags did not give, as podman login and docker login do.
    if (canPrompt() && (!username || password === undefined)) {
      const askUser = !username;
      const answers = await promptLines([
        ...(askUser ? [{ label: 'Username: ', echo: true }] : []),
        ...(password === undefined ? [{ label: 'Password: ', echo: false }] : []),
      ]);
      if (askUser) username = answers.shift();
      if (password === undefined) password = answers.shift();
    }
    if (!username) throw new UsageError('--username is required (or run on a terminal to be asked)');
    if (password === undefined)
      throw new UsageError('give the password with --password-stdin (or --password), or run on a terminal to be asked');
    const { parseBoolFlag } = await import('../../transport/remote-flags.js');
    const { RegistryClient } = await import('../../transport/docker/client.js');
    const { storeCredentials } = await import('../../transport/auth-file.js');
    const registry = key.split('/')[0]!;
    const creds = { username, password };
    const client = new RegistryClient({
      registry,
      repository: key.includes('/') ? key.slice(registry.length + 1) : '',
      tlsVerify: parseBoolFlag(stringOption(args, 'tls-verify'), '--tls-verify') ?? true,
      creds,
      actions: [],
      label: registry,
    });
    const { challenge } = await client.ping();
    if (challenge) {
      const res = await client.request('GET', '/v2/');
      if (res.status === 401 || res.status === 403) {
        await res.body?.cancel();
        throw new HullError('UNAUTHORIZED', `${registry}: the registry refused the credentials of '${username}'`);
      }
      if (!res.ok) throw await client.error(res, 'login');
      await res.body?.cancel();
    }
    const file = await storeCredentials(key, creds, stringOption(args, 'authfile'));
    if (!flag(args, 'quiet')) process.stdout.write(`Login Succeeded! (${file})\n`);
    return 0;
  },
};
