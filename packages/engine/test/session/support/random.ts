/**
 * Injected randomness for session tests: the session draws from `random()`, so tests choose the
 * draws — fixed extremes (0 = retry at once, just under 1 = the whole backoff window) or a seeded
 * sequence that fast-check shrinks through its seed.
 */
import fc from "fast-check";

/** mulberry32: a tiny, well-mixed 32-bit generator; values in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The largest double below 1: the far edge of every full-jitter window. */
export const almostOne: number = 1 - 2 ** -53;

export interface RandomSource {
  readonly label: string;
  make(): () => number;
}

/** A source of `random` functions, printable in counterexamples. */
function source(label: string, make: () => () => number): RandomSource {
  return { label, make, [fc.toStringMethod]: () => label } as RandomSource;
}

/** A source of `random` functions, printed by its label in counterexamples. */
export const randomSource: fc.Arbitrary<RandomSource> = fc.oneof(
  fc.constant(source("always 0", () => () => 0)),
  fc.constant(source("almost 1", () => () => almostOne)),
  fc.integer().map((seed) => source(`seeded(${seed})`, () => seededRandom(seed))),
);
