/**
 * The terminal prompts of `hull login` (as podman login and docker login prompt): "Username: "
 * with echo, "Password: " without. The terminal is put in raw mode *before* the first prompt is
 * shown and stays so until the last answer, so nothing typed — even typed or pasted ahead of a
 * prompt — is echoed by the terminal itself; we echo what should be seen. Prompts go to stderr,
 * keeping stdout for the result.
 */
import { HullError } from '../../errors.js';

/** Whether prompting is possible: stdin must be a terminal (else use --password-stdin). */
export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY);
}

export interface Question {
  label: string;
  echo: boolean;
}

/**
 * Asks each question in turn on the terminal and returns the answers. Backspace edits, Enter
 * (or Ctrl-D on an empty line) ends an answer, Ctrl-C aborts the command.
 */
export function promptLines(questions: Question[]): Promise<string[]> {
  const stdin = process.stdin;
  if (!stdin.isTTY) throw new HullError('USAGE', 'cannot prompt: stdin is not a terminal');
  const answers: string[] = [];
  if (questions.length === 0) return Promise.resolve(answers);
  return new Promise((resolve, reject) => {
    let line = '';
    const done = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      if (err) reject(err);
      else resolve(answers);
    };
    const onData = (data: Buffer | string) => {
      for (const ch of data.toString('utf8')) {
        const q = questions[answers.length];
        if (!q) return;
        if (ch === '\r' || ch === '\n' || (ch === '\u0004' && line === '')) {
          // "\r\n" from a paste: the "\n" would end the next answer empty.
          if (ch === '\n' && line === '' && lastWasCr) continue;
          lastWasCr = ch === '\r';
          answers.push(line);
          line = '';
          process.stderr.write('\n');
          const next = questions[answers.length];
          if (!next) return done();
          process.stderr.write(next.label);
          continue;
        }
        lastWasCr = false;
        if (ch === '\u0003') {
          process.stderr.write('\n');
          return done(new HullError('INTERRUPTED', 'login cancelled'));
        }
        if (ch === '\u007f' || ch === '\b') {
          if (line.length) {
            line = [...line].slice(0, -1).join('');
            if (q.echo) process.stderr.write('\b \b');
          }
          continue;
        }
        if (ch < ' ') continue;
        line += ch;
        if (q.echo) process.stderr.write(ch);
      }
    };
    let lastWasCr = false;
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
    process.stderr.write(questions[0]!.label);
  });
}
