/**
 * Node transport: undici's `fetch` on a shared keep-alive `Agent`. Chosen by the `node` condition
 * of the package's `#fetch` import; browsers never load undici.
 */
import { Agent, type Dispatcher, fetch as undiciFetch } from "undici";
import type { FetchLike, TransportOptions } from "./fetch.ts";

let shared: Agent | undefined;

/** The pooled keep-alive agent shared by every client that brings no dispatcher of its own. */
export function defaultDispatcher(): Dispatcher {
  shared ??= new Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 60_000, connections: 64 });
  return shared;
}

export function createFetch(options: TransportOptions = {}): FetchLike {
  if (options.fetch) return options.fetch;
  const dispatcher = (options.dispatcher as Dispatcher | undefined) ?? defaultDispatcher();
  return (input, init) =>
    undiciFetch(input, { ...(init as object), dispatcher } as Parameters<
      typeof undiciFetch
    >[1]) as unknown as Promise<Response>;
}

export const transportName: string = "undici";
