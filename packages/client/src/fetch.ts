/**
 * The transport of every Partwise client is a `fetch`: in browsers the platform's own, in Node
 * undici's, over a pooled keep-alive `Agent` (one dispatcher reused by every request, as undici
 * recommends) unless the caller passes its own `dispatcher` or `fetch`. Clients never use a global
 * HTTP mock; tests pass a `fetch` or point at a reference server.
 */

/** The part of the Fetch API a client uses; `globalThis.fetch` and undici's `fetch` both fit. */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

export interface TransportOptions {
  /** Used as is when given (a browser's fetch, a test's recorder). */
  readonly fetch?: FetchLike | undefined;
  /** Node only: an undici `Dispatcher` (Agent, Pool, MockAgent…) for the default fetch. */
  readonly dispatcher?: unknown;
}
