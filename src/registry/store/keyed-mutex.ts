/**
 * Serialises async work per key within this process. Uploads need it: two PATCHes of the same
 * session must not both pass the offset check and then both append (spec.md#pushing-a-blob-in-chunks
 * requires chunks in order). Several registry processes on one root would need a lock in the
 * driver; hull runs one server per root.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
