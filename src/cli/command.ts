/**
 * What a CLI command is: its name, a one-line summary, usage text, the options it takes (in
 * node:util parseArgs form) and a run function. Commands only parse and print; the work is a
 * library call (ARCHITECTURE.md: thin CLIs).
 */
import type { ParseArgsConfig } from 'node:util';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>[string] & { description: string; valueName?: string };

export interface ParsedCommand {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, OptionSpec>;
  /** Minimum and maximum number of positional arguments. */
  positionals: [number, number];
  /** Extra help text printed after the options. */
  details?: string;
  /** Parse options only up to the first positional (docker run IMAGE CMD -x: -x is CMD's). */
  stopAtFirstPositional?: boolean;
  /** The exit status for a failure (docker's engine commands use 125); default 1. */
  errorExitCode?: number;
  /**
   * End the process as soon as run returns (process.exit) rather than when the event loop
   * drains: Node's heap teardown is ~5–7 ms of a `hull run --rm` (bench/run.ts). Only for
   * commands whose work is all awaited by run: anything still pending is cut off.
   */
  exitWhenDone?: boolean;
  run(args: ParsedCommand): Promise<number>;
}

/** Thrown for a wrong flag or argument: printed with a pointer to --help, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Options every command takes. */
export const commonOptions: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', description: 'show this help' },
  quiet: { type: 'boolean', short: 'q', description: 'print no progress' },
  debug: { type: 'boolean', description: 'print stack traces with errors' },
};

export const formatOption: OptionSpec = {
  type: 'string',
  description: "output format: 'json' (or 'table' where the default is a table)",
  valueName: 'FORMAT',
};
