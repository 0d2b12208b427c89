/** Browser (and any non-Node runtime) transport: the platform's `fetch`. */
import type { FetchLike, TransportOptions } from "./fetch.ts";

export function createFetch(options: TransportOptions = {}): FetchLike {
  if (options.fetch) return options.fetch;
  return (input, init) => globalThis.fetch(input, init);
}

export const transportName: string = "fetch";
