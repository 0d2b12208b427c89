/**
 * A promise-chain mutex per key: state mutations of one upload (a storage PUT committing a part,
 * a report, complete, abort) run one after another, so concurrent requests never lose an update.
 * Long work that needs no lock (streaming a part to disk) happens before taking it.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => {},
      () => {},
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
