/**
 * Holds the reference servers' keyed locks (`KeyedMutex` of @partwise/node) for a test: every
 * task of a key that `held` matches waits at a gate until `release`, so a test can see over real
 * sockets that requests on one key wait for each other and requests on other keys do not.
 */
import { KeyedMutex } from "@partwise/node";
import { vi } from "vitest";

export interface HeldLocks {
  /** Keys passed to `run`, in call order (a request reached the lock). */
  readonly calls: string[];
  /** Keys whose task started (a request holds the lock). */
  readonly started: string[];
  /** Lets every held task go on, now and from now on. */
  release(): void;
  /** Puts `KeyedMutex.prototype.run` back. */
  restore(): void;
}

export function holdLocks(held: (key: string) => boolean): HeldLocks {
  const original = KeyedMutex.prototype.run;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const calls: string[] = [];
  const started: string[] = [];
  const spy = vi.spyOn(KeyedMutex.prototype, "run").mockImplementation(function <T>(
    this: KeyedMutex,
    key: string,
    task: () => Promise<T>,
  ): Promise<T> {
    calls.push(key);
    return original.call(this, key, async () => {
      started.push(key);
      if (held(key)) await gate;
      return task();
    }) as Promise<T>;
  });
  return { calls, started, release: open, restore: () => spy.mockRestore() };
}

/** Resolves once `predicate` holds, checking after each macrotask (no wall-clock limit). */
export async function until(predicate: () => boolean): Promise<void> {
  while (!predicate()) await new Promise((resolve) => setImmediate(resolve));
}
