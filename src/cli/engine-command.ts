/**
 * What the engine's commands (pull, images, rmi, tag; later run, ps...) share: --root, and
 * docker's exit status for the engine's own failures, 125 (docker run(1) "EXIT STATUS"; podman
 * uses it for every command), printed as the one clear line every hull error is.
 */
import { HullError } from '../errors.js';
import { type OptionSpec, type ParsedCommand, UsageError } from './command.js';
import { printError } from './output.js';

export const DEFAULT_ROOT = '/var/lib/hull';

export const rootOption: OptionSpec = {
  type: 'string',
  description: `the engine's state directory (default ${DEFAULT_ROOT})`,
  valueName: 'DIR',
};

export function rootOf(args: ParsedCommand): string {
  const v = args.values.root;
  return typeof v === 'string' && v !== '' ? v : process.env.HULL_ROOT || DEFAULT_ROOT;
}

/** hull's own failure: docker and podman exit 125. */
export const EXIT_ENGINE = 125;

/**
 * Runs an engine command: a usage error keeps its own handling (exit 2, from the CLI's main),
 * any other error is printed as one line and the command exits `exitFor(err)` (default 125).
 */
export async function engineRun(
  command: string,
  args: ParsedCommand,
  work: () => Promise<number>,
  exitFor: (err: unknown) => number = () => EXIT_ENGINE,
): Promise<number> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof UsageError) throw err;
    printError(err, { debug: args.values.debug === true, command });
    return exitFor(err);
  }
}

export function errorCode(err: unknown): string | undefined {
  return err instanceof HullError ? err.code : undefined;
}
