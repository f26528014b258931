import { HullError } from '../../errors.js';
import { flag, stringOption } from '../args.js';
import { type CommandSpec, UsageError } from '../command.js';
import { loginKey } from './login.js';

export const logoutCommand: CommandSpec = {
  name: 'logout',
  summary: 'Remove the stored credentials of a registry (or of all registries with --all).',
  usage: 'logout [OPTIONS] HOST[:PORT] | --all',
  positionals: [0, 1],
  options: {
    all: { type: 'boolean', short: 'a', description: 'remove the credentials of every registry' },
    authfile: { type: 'string', description: 'auth file to edit', valueName: 'FILE' },
  },
  async run(args) {
    const { removeCredentials } = await import('../../transport/auth-file.js');
    const [host] = args.positionals;
    const authfile = stringOption(args, 'authfile');
    if (flag(args, 'all')) {
      if (host) throw new UsageError('give a HOST or --all, not both');
      await removeCredentials(undefined, authfile);
      if (!flag(args, 'quiet')) process.stdout.write('Removed login credentials for all registries\n');
      return 0;
    }
    if (!host) throw new UsageError('give a HOST, or --all');
    const key = loginKey(host);
    if (!(await removeCredentials(key, authfile))) throw new HullError('NOT_LOGGED_IN', `not logged in to ${key}`);
    if (!flag(args, 'quiet')) process.stdout.write(`Removed login credentials for ${key}\n`);
    return 0;
  },
};
