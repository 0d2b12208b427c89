/**
 * "Spike arrest" (YF-RATE-LIMIT): the File API caps requests per minute and answers 429; the
 * official PowerShell clients then wait 60 s and slow down (UploadFile.ps1). The numbers are not
 * published, so the reference server applies a limit only when configured
 * (`options.rateLimit`: `requestsPerMinute` in fixed one-minute windows, or `requestsPerSecond` in
 * fixed one-second windows, which lets a test wait the window out), per client credential; a
 * window starts at a client's first request in it. The answer carries `Retry-After`: the seconds
 * until the client's window ends (RFC 9110 §10.2.3).
 */

/** One of the two: requests per minute, or per second. */
export interface RateLimitOptions {
  /** Requests each client may make per minute; the next one answers 429. */
  readonly requestsPerMinute?: number | undefined;
  /** Requests each client may make per second (one-second windows); the next one answers 429. */
  readonly requestsPerSecond?: number | undefined;
  /**
   * The client credentials (tokens) the limit applies to, as a gateway's per-client quota would;
   * default every client.
   */
  readonly tokens?: readonly string[] | undefined;
}

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly limit: number;
  private readonly windowMs: number;

  constructor(
    options: RateLimitOptions,
    private readonly now: () => number,
  ) {
    const { requestsPerMinute: perMinute, requestsPerSecond: perSecond } = options;
    if ((perMinute === undefined) === (perSecond === undefined))
      throw new RangeError("rateLimit takes one of requestsPerMinute and requestsPerSecond");
    this.limit = perMinute ?? perSecond ?? 0;
    this.windowMs = perMinute === undefined ? 1000 : 60_000;
    if (!(Number.isInteger(this.limit) && this.limit >= 1))
      throw new RangeError(
        `rateLimit.${perMinute === undefined ? "requestsPerSecond" : "requestsPerMinute"} must be an integer of at least 1`,
      );
  }

  /** Counts one request of `client`; returns the seconds to wait when it is over the limit. */
  take(client: string): number | undefined {
    const now = this.now();
    let window = this.windows.get(client);
    if (window === undefined || now - window.start >= this.windowMs) {
      if (this.windows.size >= 10_000) this.prune(now);
      window = { start: now, count: 0 };
      this.windows.set(client, window);
    }
    window.count += 1;
    if (window.count <= this.limit) return undefined;
    return Math.max(1, Math.ceil((window.start + this.windowMs - now) / 1000));
  }

  /** Forgets ended windows, so clients that come and go cannot grow the map without bound. */
  private prune(now: number): void {
    for (const [client, window] of this.windows)
      if (now - window.start >= this.windowMs) this.windows.delete(client);
  }
}
