/**
 * Command-line parsing for hull-runtime, shaped like runc's: global flags before the command,
 * command flags after it, `--flag value` and `--flag=value`, positional arguments in between.
 */
import { HullError } from '../../errors.js';

export interface FlagSpec {
  /** Flags that take a value. */
  values: readonly string[];
  /** Boolean flags. */
  bools: readonly string[];
  /** Short aliases, e.g. b → bundle. */
  aliases?: Record<string, string>;
  /** Value flags that may repeat (exec's --env); every value is kept in Parsed.all. */
  repeat?: readonly string[];
}

export interface Parsed {
  flags: Map<string, string | true>;
  positional: string[];
  rest: string[];
  /** All values of the `repeat` flags, in order. */
  all?: Map<string, string[]>;
}

/** Parses until the first positional argument when `stopAtPositional` (global flags), else all. */
export function parseFlags(argv: string[], spec: FlagSpec, stopAtPositional: boolean): Parsed {
  const flags = new Map<string, string | true>();
  const positional: string[] = [];
  let all: Map<string, string[]> | undefined;
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      positional.push(...argv.slice(i + 1));
      i = argv.length;
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      if (stopAtPositional) break;
      positional.push(a);
      continue;
    }
    let name = a.replace(/^--?/, '');
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    name = spec.aliases?.[name] ?? name;
    if (spec.bools.includes(name)) {
      flags.set(name, value === undefined || value === 'true' ? true : value);
    } else if (spec.values.includes(name)) {
      if (value === undefined) {
        value = argv[++i];
        if (value === undefined) throw new HullError('USAGE', `flag --${name} needs a value`);
      }
      flags.set(name, value);
      if (spec.repeat?.includes(name)) {
        all ??= new Map();
        all.set(name, [...(all.get(name) ?? []), value]);
      }
    } else {
      throw new HullError('USAGE', `unknown flag ${a}`);
    }
  }
  return { flags, positional, rest: argv.slice(i), ...(all ? { all } : {}) };
}

export function str(p: Parsed, name: string): string | undefined {
  const v = p.flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function bool(p: Parsed, name: string): boolean {
  return p.flags.get(name) === true || p.flags.get(name) === 'true';
}
