/**
 * Read-ahead for a layer stream: starts consuming it at once and queues up to `limit` bytes,
 * pausing the source beyond that, so layer N+1 is decompressed (zlib runs on libuv's thread
 * pool) while layer N is being written. Consumption then drains the queue and resumes the source.
 */
import type { Readable } from 'node:stream';

export interface Prefetched extends AsyncIterable<Buffer> {
  destroy(err?: Error): void;
  /** Hands a consumed chunk back to the source, when it takes them (decode.ts DecodedStream). */
  recycle(chunk: Buffer): void;
  /**
   * Calls cb once the source has decoded all of its data (decode.ts DecodedStream), or at once
   * for a source that cannot tell.
   */
  onDecoded(cb: () => void): void;
}

type Decoding = Partial<{ recycle(c: Buffer): void; onDecoded(cb: () => void): void }>;

export function prefetch(source: Readable, limit: number): Prefetched {
  const recycle = (chunk: Buffer): void => (source as Decoding).recycle?.(chunk);
  const onDecoded = (cb: () => void): void => {
    const s = source as Decoding;
    if (typeof s.onDecoded === 'function') s.onDecoded(cb);
    else cb();
  };
  if (limit <= 0) {
    return {
      [Symbol.asyncIterator]: () => source[Symbol.asyncIterator]() as AsyncIterator<Buffer>,
      destroy: (err?: Error) => source.destroy(err),
      recycle,
      onDecoded,
    };
  }
  const queue: Buffer[] = [];
  let queued = 0;
  let ended = false;
  let error: unknown;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  source.on('data', (chunk: Buffer) => {
    queue.push(chunk);
    queued += chunk.length;
    if (queued >= limit) source.pause();
    notify();
  });
  source.on('end', () => {
    ended = true;
    notify();
  });
  source.on('error', (err) => {
    error = err;
    notify();
  });

  async function* iterate(): AsyncGenerator<Buffer> {
    try {
      for (;;) {
        if (queue.length > 0) {
          const chunk = queue.shift() as Buffer;
          queued -= chunk.length;
          // While consuming, keep the source flowing only as far as a small window.
          if (queued < limit && source.isPaused()) source.resume();
          yield chunk;
          continue;
        }
        if (error !== undefined) throw error;
        if (ended) return;
        if (source.isPaused()) source.resume();
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      if (!ended) source.destroy();
    }
  }

  return {
    [Symbol.asyncIterator]: iterate,
    destroy: (err?: Error) => source.destroy(err),
    recycle,
    onDecoded,
  };
}
