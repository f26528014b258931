/**
 * The terminal prompts of `hull login` (as podman login and docker login prompt): "Username: "
 * with echo, "Password: " without. Read in raw mode straight from the terminal on stdin, so the
 * password never appears on screen or in a scrollback; prompts go to stderr, keeping stdout
 * for the result.
 */
import { HullError } from '../../errors.js';

/** Whether prompting is possible: stdin must be a terminal (else use --password-stdin). */
export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY);
}

/**
 * One line from the terminal. Backspace edits, Enter (or Ctrl-D on an empty line) ends it,
 * Ctrl-C aborts the command.
 */
/** Input that arrived in the same read as the end of the previous line. */
let typedAhead = '';

export function promptLine(label: string, echo: boolean): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY)
    throw new HullError('USAGE', `cannot prompt for ${label.replace(/:\s*$/, '')}: stdin is not a terminal`);
  process.stderr.write(label);
  return new Promise((resolve, reject) => {
    let line = '';
    const finish = (rest: string, err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      typedAhead = rest;
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(line);
    };
    const onData = (data: Buffer | string) => {
      const chars = [...data.toString('utf8')];
      for (let i = 0; i < chars.length; i++) {
        const ch = chars[i]!;
        const rest = chars.slice(i + 1).join('');
        if (ch === '\r' || ch === '\n' || (ch === '\u0004' && line === '')) return finish(rest.replace(/^\n/, ''));
        if (ch === '\u0003') return finish('', new HullError('INTERRUPTED', 'login cancelled'));
        if (ch === '\u007f' || ch === '\b') {
          if (line.length) {
            line = [...line].slice(0, -1).join('');
            if (echo) process.stderr.write('\b \b');
          }
          continue;
        }
        if (ch < ' ') continue;
        line += ch;
        if (echo) process.stderr.write(ch);
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
    // What was typed (or pasted) ahead of this prompt, after the previous line ended.
    if (typedAhead) onData(typedAhead);
  });
}
