/**
 * A limit on requests in flight shared by several uploads (`uploadBatch`): every request that
 * carries part bytes takes a slot before its bytes are read and gives it back when its answer
 * came, so the parts of all files together never exceed the limit, and no part's bytes wait in
 * memory for a slot.
 */

export interface RequestSlots {
  /** Resolves with the function that gives the slot back; rejects with the signal's reason. */
  acquire(signal: AbortSignal): Promise<() => void>;
  /** Slots in use now (tests, progress). */
  readonly inUse: number;
  readonly limit: number;
}

export function createRequestSlots(limit: number): RequestSlots {
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new RangeError(`the request limit must be a positive integer, not ${String(limit)}`);
  let inUse = 0;
  const waiting: { grant: () => void; signal: AbortSignal; onAbort: () => void }[] = [];
  const releaser = (): (() => void) => {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      inUse -= 1;
      const next = waiting.shift();
      if (next) {
        next.signal.removeEventListener("abort", next.onAbort);
        inUse += 1;
        next.grant();
      }
    };
  };
  return {
    get inUse() {
      return inUse;
    },
    limit,
    acquire(signal) {
      if (signal.aborted) return Promise.reject(signal.reason);
      if (inUse < limit) {
        inUse += 1;
        return Promise.resolve(releaser());
      }
      return new Promise((resolve, reject) => {
        const entry = {
          grant: () => resolve(releaser()),
          signal,
          onAbort: () => {
            const at = waiting.indexOf(entry);
            if (at !== -1) waiting.splice(at, 1);
            reject(signal.reason);
          },
        };
        waiting.push(entry);
        signal.addEventListener("abort", entry.onAbort, { once: true });
      });
    },
  };
}

/** Runs `work` holding a slot of `slots` (or at once without `slots`). */
export async function withSlot<T>(
  slots: RequestSlots | undefined,
  signal: AbortSignal,
  work: () => Promise<T>,
): Promise<T> {
  if (slots === undefined) return work();
  const release = await slots.acquire(signal);
  try {
    return await work();
  } finally {
    release();
  }
}
