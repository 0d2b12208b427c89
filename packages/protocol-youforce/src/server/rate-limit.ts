/**
 * "Spike arrest" (YF-RATE-LIMIT): the File API caps requests per minute and answers 429; the
 * official PowerShell clients then wait 60 s and slow down (UploadFile.ps1). The numbers are not
 * published, so the reference server applies a limit only when configured
 * (`options.rateLimit.requestsPerMinute`), per client credential, in fixed one-minute windows that
 * start at a client's first request. The answer carries `Retry-After`: the seconds until the
 * client's window ends.
 */

export interface RateLimitOptions {
  /** Requests each client may make per minute; the next one answers 429. */
  readonly requestsPerMinute: number;
}

const WINDOW_MS = 60_000;

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly options: RateLimitOptions,
    private readonly now: () => number,
  ) {
    if (!(Number.isInteger(options.requestsPerMinute) && options.requestsPerMinute >= 1))
      throw new RangeError("rateLimit.requestsPerMinute must be an integer of at least 1");
  }

  /** Counts one request of `client`; returns the seconds to wait when it is over the limit. */
  take(client: string): number | undefined {
    const now = this.now();
    let window = this.windows.get(client);
    if (window === undefined || now - window.start >= WINDOW_MS) {
      if (this.windows.size >= 10_000) this.prune(now);
      window = { start: now, count: 0 };
      this.windows.set(client, window);
    }
    window.count += 1;
    if (window.count <= this.options.requestsPerMinute) return undefined;
    return Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000));
  }

  /** Forgets ended windows, so clients that come and go cannot grow the map without bound. */
  private prune(now: number): void {
    for (const [client, window] of this.windows)
      if (now - window.start >= WINDOW_MS) this.windows.delete(client);
  }
}
