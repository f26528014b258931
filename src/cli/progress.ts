/**
 * Progress on a terminal: shown only when stdout and stderr are terminals and --quiet is not
 * given (scripts and CI logs get none). Drawn on stderr so stdout stays data.
 */
export function progressWanted(quiet: boolean): boolean {
  return !quiet && Boolean(process.stdout.isTTY) && Boolean(process.stderr.isTTY);
}

/** Runs `work` with a spinner line naming it; the line is cleared when the work ends. */
export async function withSpinner<T>(label: string, quiet: boolean, work: () => Promise<T>): Promise<T> {
  if (!progressWanted(quiet)) return work();
  const frames = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
  const start = Date.now();
  let i = 0;
  const draw = () => {
    const secs = ((Date.now() - start) / 1000).toFixed(1);
    process.stderr.write(`\r${frames[i++ % frames.length]} ${label} ${secs}s\x1b[K`);
  };
  draw();
  const timer = setInterval(draw, 100);
  try {
    return await work();
  } finally {
    clearInterval(timer);
    process.stderr.write('\r\x1b[K');
  }
}

export interface LayerBar {
  tick(done: number, total: number, label: string): void;
  stop(): void;
}

/** A per-image bar over layers (cli-progress, loaded only on a terminal). */
export async function layerBar(quiet: boolean, title: string): Promise<LayerBar> {
  if (!progressWanted(quiet)) return { tick() {}, stop() {} };
  const { SingleBar, Presets } = (await import('cli-progress')).default;
  const bar = new SingleBar(
    {
      format: `${title} [{bar}] {value}/{total} layers {label}`,
      hideCursor: true,
      stream: process.stderr,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    tick(done, total, label) {
      if (!started) {
        bar.start(total, 0, { label: '' });
        started = true;
      }
      bar.update(done, { label: label.slice(0, 19) });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

export interface BlobBar {
  /** `bytes` more of it are done. */
  advance(bytes: number): void;
  /** The bar ends full, its count replaced by `text`. */
  finish(text: string): void;
}

/** One bar per blob (cli-progress on stderr): `blob <short digest> [===] done / size`. */
export async function blobBarSet(): Promise<{
  bar(digest: string, size: number): BlobBar;
  /** A line above the bars. */
  log(line: string): void;
  stop(): void;
}> {
  const { MultiBar, Presets } = (await import('cli-progress')).default;
  const { humanSize } = await import('./output.js');
  const multi = new MultiBar(
    {
      format: '{label} [{bar}] {done} / {size}',
      hideCursor: true,
      stream: process.stderr,
      clearOnComplete: false,
      autopadding: true,
    },
    Presets.shades_classic,
  );
  return {
    bar(digest, size) {
      const total = Math.max(size, 1);
      const short = digest.slice(digest.indexOf(':') + 1, digest.indexOf(':') + 13);
      const b = multi.create(total, 0, { label: `blob ${short}`, done: humanSize(0), size: humanSize(size) });
      let n = 0;
      return {
        advance(bytes) {
          n += bytes;
          b.update(Math.min(n, total), { done: humanSize(n) });
        },
        finish(text) {
          b.update(total, { done: text });
          b.stop();
        },
      };
    },
    log: (line) => multi.log(line),
    stop: () => multi.stop(),
  };
}
