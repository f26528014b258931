/**
 * The messages between decode.ts (main thread) and decode-worker.ts, and what a job carries:
 * types only, so either side imports them without loading the other.
 */
export interface DecodeJob {
  /** Open file descriptor of the blob (owned by the main thread). */
  fd: number;
  compression: 'none' | 'gzip' | 'zstd';
  /** The layer descriptor's digest and size, and the label that names it in errors. */
  blob: { digest: string; size: number; label: string };
  /** The config's diff_id for this layer, if any, and its error label. */
  diff?: { digest: string; label: string };
  /** Bytes posted and not yet credited back before the worker stops. */
  window: number;
  /** gunzip output chunk size. */
  chunkSize: number;
  /** Compressed bytes per file read. */
  readSize: number;
  /** gzip only: how to inflate (gunzip-tool.ts); node:zlib when absent. */
  gunzip?: GunzipTool;
}

/** ISA-L in the native addon (decode-native.ts), the `igzip` program (its path), or node:zlib. */
export type GunzipTool = { via: 'isal' } | { via: 'igzip'; bin: string } | { via: 'zlib' };

/**
 * Worker → main. After `end`, `error` or `released` (the answer to `cancel` of a job still
 * running), the worker no longer touches the job's file descriptor.
 */
export type DecodeMessage =
  | { t: 'data'; id: number; buf: ArrayBuffer; len: number }
  | { t: 'end'; id: number }
  | { t: 'error'; id: number; error: SerializedError }
  | { t: 'released'; id: number };

/** Main → worker: start a job; `n` more bytes of a job were consumed; stop a job. */
export type ControlMessage =
  | { t: 'start'; id: number; job: DecodeJob }
  | { t: 'credit'; id: number; n: number; buffers?: ArrayBuffer[] }
  | { t: 'cancel'; id: number };

export interface SerializedError {
  hull: boolean;
  code: string | undefined;
  message: string;
  file?: string;
  section?: string;
}
