/**
 * Serving an object's bytes from an open file to a writable (an HTTP response) through a few
 * reused buffers. Node has no sendfile; a read stream allocates a fresh buffer per read, and on
 * a 256 MiB blob the page faults of that memory cost more than the copy. Here each buffer is
 * refilled only after the write that used it has completed, so at most BUFFERS × BUFFER_SIZE
 * bytes are in flight and nothing is allocated per read.
 */
import type { FileHandle } from 'node:fs/promises';
import type { Writable } from 'node:stream';

const BUFFER_SIZE = 1 << 20;
const BUFFERS = 3;

export class SinkClosedError extends Error {
  readonly code = 'ERR_STREAM_PREMATURE_CLOSE';
  constructor() {
    super('the receiver closed the connection');
    this.name = 'SinkClosedError';
  }
}

/** Writes bytes `start`..`end` (inclusive) of `file` to `sink`; rejects when the sink closes first. */
export async function copyOut(file: FileHandle, sink: Writable, start: number, end: number): Promise<void> {
  if (end < start) return;
  let onClose = (): void => undefined;
  const gone = new Promise<never>((_, reject) => {
    onClose = () => reject(new SinkClosedError());
    sink.once('close', onClose);
  });
  gone.catch(() => undefined);
  const buffers = Array.from({ length: BUFFERS }, () => Buffer.allocUnsafeSlow(BUFFER_SIZE));
  const inFlight: Array<Promise<void>> = buffers.map(() => Promise.resolve());
  try {
    let pos = start;
    for (let i = 0; pos <= end; i = (i + 1) % BUFFERS) {
      await Promise.race([inFlight[i], gone]);
      const want = Math.min(BUFFER_SIZE, end - pos + 1);
      const { bytesRead } = await file.read(buffers[i]!, 0, want, pos);
      // The file is content-addressed and never shrinks while open; a short file is damage.
      if (bytesRead === 0) throw new Error(`object ended at byte ${pos}, before ${end + 1}`);
      pos += bytesRead;
      const chunk = bytesRead === BUFFER_SIZE ? buffers[i]! : buffers[i]!.subarray(0, bytesRead);
      inFlight[i] = new Promise<void>((resolve, reject) => {
        sink.write(chunk, (err) => (err ? reject(err) : resolve()));
      });
      inFlight[i]!.catch(() => undefined);
    }
    await Promise.race([Promise.all(inFlight), gone]);
  } finally {
    sink.off('close', onClose);
  }
}
