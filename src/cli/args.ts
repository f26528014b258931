/** Argument parsing for hull's commands on node:util parseArgs: strict, with errors that name the flag. */
import { parseArgs } from 'node:util';
import { type CommandSpec, commonOptions, type ParsedCommand, UsageError } from './command.js';

export function parseCommand(spec: CommandSpec, argv: string[]): ParsedCommand {
  const options = { ...commonOptions, ...spec.options };
  const config = Object.fromEntries(
    Object.entries(options).map(([name, o]) => {
      const { description: _d, valueName: _v, ...rest } = o;
      return [name, rest];
    }),
  );
  let parsed: ParsedCommand;
  // docker run IMAGE CMD ARGS...: everything after the first positional belongs to the command.
  const cut = spec.stopAtFirstPositional ? firstPositional(argv, options) : argv.length;
  try {
    parsed = parseArgs({
      args: argv.slice(0, cut),
      options: config,
      allowPositionals: true,
      strict: true,
    }) as ParsedCommand;
  } catch (err) {
    throw new UsageError(usageMessage((err as Error).message));
  }
  if (cut < argv.length) parsed.positionals.push(...argv.slice(cut));
  if (parsed.values.help) return parsed;
  const [min, max] = spec.positionals;
  if (parsed.positionals.length < min) throw new UsageError(`missing arguments; usage: hull ${spec.usage}`);
  if (parsed.positionals.length > max)
    throw new UsageError(`unexpected argument '${parsed.positionals[max]}'; usage: hull ${spec.usage}`);
  return parsed;
}

/** The index just past the first positional argument (options before it may take values). */
function firstPositional(argv: string[], options: CommandSpec['options']): number {
  const takesValue = (name: string) => options[name]?.type === 'string';
  const shortTakesValue = (ch: string) => Object.values(options).some((o) => o.short === ch && o.type === 'string');
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') return i + 2 <= argv.length ? i + 2 : argv.length;
    if (a.startsWith('--')) {
      if (!a.includes('=') && takesValue(a.slice(2))) i++;
    } else if (a.startsWith('-') && a.length > 1) {
      // -it, -e K=V, -eK=V, -p 80:80: a short option taking a value consumes the rest or the next.
      for (let j = 1; j < a.length; j++) {
        if (shortTakesValue(a[j] as string)) {
          if (j === a.length - 1) i++;
          break;
        }
      }
    } else {
      return i + 1;
    }
  }
  return argv.length;
}

/** parseArgs' messages are long and mention internals; keep the part that names the flag. */
function usageMessage(message: string): string {
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option '${unknown[1]}'`;
  const missing = /Option '([^']+)' argument missing/.exec(message);
  if (missing) return `option '${missing[1]}' needs a value`;
  return message.split('\n')[0] ?? message;
}

export function helpText(spec: CommandSpec): string {
  const options = { ...spec.options, ...commonOptions };
  const rows = Object.entries(options).map(([name, o]) => {
    const short = o.short ? `-${o.short}, ` : '    ';
    const value = o.type === 'string' ? ` ${o.valueName ?? 'VALUE'}` : '';
    return [`  ${short}--${name}${value}`, o.description + (o.multiple ? ' (repeatable)' : '')] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const lines = [`Usage: hull ${spec.usage}`, '', spec.summary, '', 'Options:'];
  for (const [left, right] of rows) lines.push(left.padEnd(width) + right);
  if (spec.details) lines.push('', spec.details.trimEnd());
  return `${lines.join('\n')}\n`;
}

export function stringOption(args: ParsedCommand, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function listOption(args: ParsedCommand, name: string): string[] {
  const v = args.values[name];
  return Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : [];
}

export function flag(args: ParsedCommand, name: string): boolean {
  return args.values[name] === true;
}

/** `--format` as 'json' or the command's default; anything else is a usage error. */
export function outputFormat<T extends string>(args: ParsedCommand, allowed: readonly T[], fallback: T): T {
  const v = stringOption(args, 'format') ?? fallback;
  if (!(allowed as readonly string[]).includes(v))
    throw new UsageError(`--format must be one of ${allowed.join(', ')}, not '${v}'`);
  return v as T;
}
