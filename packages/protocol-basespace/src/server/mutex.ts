/**
 * A keyed promise-chain mutex: state changes of one upload (a part replacing another, completion,
 * abort) and of one AppResult (its first writer claiming it) run one at a time, so concurrent
 * requests never lose an update. Streaming a part's bytes to disk happens outside the lock; only
 * the short commit step is serialised, so parts of one upload still ingest in parallel.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    await previous;
    try {
      return await task();
    } finally {
      release();
      // The last holder leaves no entry behind, so the map does not grow with the number of uploads.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
