/**
 * A keyed promise-chain mutex: the state changes of one key (an upload, a file, a claim) run one
 * after another, so concurrent requests never lose an update; different keys never wait for each
 * other. A task runs once every earlier task of its key has settled, whether it succeeded or
 * failed. Long work that needs no lock (streaming a body to disk) belongs outside `run`: only the
 * short read-modify-write of state is serialised, so parts of one upload still ingest in parallel.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `task` after every earlier task of `key` has settled; resolves or rejects as it does. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => {},
      () => {},
    );
    this.tails.set(key, tail);
    // The last holder leaves no entry behind, so the map does not grow with the number of keys.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with a task running or waiting (for tests and diagnostics). */
  get busyKeys(): number {
    return this.tails.size;
  }
}
