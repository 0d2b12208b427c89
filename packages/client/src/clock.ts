/**
 * Time for the upload driver. The engine's session has no clock of its own; the driver passes it
 * `now()` and arms one timer for its `wait` commands. Tests pass a fake clock.
 */
export interface Clock {
  now(): number;
  /** Calls `fn` after `ms`; returns a function that cancels the timer. */
  setTimer(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const handle = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(handle);
  },
};
