/** Parsing of option values shared by commands: K=V lists and Dockerfile-style command lines. */
import { UsageError } from './command.js';

export function keyValues(items: string[], flagName: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flagName} needs K=V, not '${item}'`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/**
 * Dockerfile semantics: one value that is a JSON array of strings is the exec form; one other
 * value is the shell form (`/bin/sh -c VALUE`); several values (the flag repeated) are the
 * arguments one by one.
 */
export function parseCommandLine(values: string[], flagName: string): string[] {
  if (values.length > 1) return values;
  const [value] = values as [string];
  if (value.trimStart().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new UsageError(`${flagName} looks like a JSON array but is not valid JSON: ${value}`);
    }
    if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string'))
      throw new UsageError(`${flagName} JSON form must be an array of strings`);
    return parsed;
  }
  return ['/bin/sh', '-c', value];
}
