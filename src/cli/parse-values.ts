/** Parsing of option values shared by commands: K=V lists, byte sizes and Dockerfile-style command lines. */
import { UsageError } from './command.js';

/** K=V items; with `bare`, a lone K means an empty value (docker's --label K). */
export function keyValues(items: string[], flagName: string, opts: { bare?: boolean } = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq === 0 || (eq < 0 && !opts.bare)) throw new UsageError(`${flagName} needs K=V, not '${item}'`);
    if (eq < 0) out[item] = '';
    else out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** docker's byte units: 512m, 1.5g, 100k, 1024b or a plain number of bytes (powers of 1024). */
export function parseBytes(text: string, flagName: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)i?b?$/i.exec(text.trim());
  if (!m) throw new UsageError(`invalid ${flagName} '${text}': expected bytes, or a number with k, m, g or t`);
  const power = ' kmgt'.indexOf((m[2] || ' ').toLowerCase().replace('b', ' '));
  return Math.round(Number(m[1]) * 1024 ** Math.max(0, power));
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
