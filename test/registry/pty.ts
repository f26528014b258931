/**
 * Runs a command on a pseudo-terminal (util-linux script(1)), for what only happens on a
 * terminal: hull login's prompts, progress bars. Each answer is typed when its prompt has
 * appeared in the output, as a person would.
 */
import { spawn } from 'node:child_process';

export interface PtyResult {
  status: number;
  /** Everything the terminal showed (stdout and stderr together, as on a screen). */
  output: string;
}

function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function runInPty(
  argv: string[],
  answers: Array<[prompt: RegExp, answer: string]> = [],
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 60_000,
): Promise<PtyResult> {
  return new Promise((resolve, reject) => {
    // -e: exit with the command's status; -q: no banner; the typescript goes to /dev/null.
    const proc = spawn('script', ['-qec', argv.map(shellQuote).join(' '), '/dev/null'], {
      env: { ...env, TERM: 'xterm', COLUMNS: '120', LINES: '40' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    let next = 0;
    let seenUpTo = 0;
    const onOutput = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      const pending = answers[next];
      if (pending?.[0].test(output.slice(seenUpTo))) {
        seenUpTo = output.length;
        next++;
        proc.stdin.write(`${pending[1]}\r`);
      }
    };
    proc.stdout.on('data', onOutput);
    proc.stderr.on('data', onOutput);
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`${argv.join(' ')}: no exit within ${timeoutMs} ms; terminal showed:\n${output}`));
    }, timeoutMs);
    proc.on('error', reject);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      proc.stdin.destroy();
      resolve({ status: code ?? 128, output });
    });
  });
}
