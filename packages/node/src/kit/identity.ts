/**
 * Token identity: how a reference server maps a token to a user. Each token is its own identity
 * (the *-AUTH-ISOLATION rules): it sees only what it created. A server keeps only an HMAC-SHA256
 * of the token under a key (a per-server label, or a secret kept in the data dir), in memory and
 * in the owner fields of its state documents, so no token is ever written to disk, logged or
 * echoed in an answer. Where tokens come from (which headers, the query) is each protocol's own.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** `Authorization: Bearer <token>` (RFC 6750 §2.1), the scheme case-insensitive; else undefined. */
export function bearerToken(header: string | null | undefined): string | undefined {
  if (header === null || header === undefined) return undefined;
  return /^[ \t]*bearer[ \t]+(\S+)[ \t]*$/i.exec(header)?.[1];
}

/** RFC 6750 §2.1 `b64token`: the only characters a bearer token can have. */
export function isB64Token(token: string): boolean {
  return /^[A-Za-z0-9\-._~+/]+=*$/.test(token);
}

/**
 * The identities of one server: `id` is the hex HMAC of a token under `key`; `accepts` checks a
 * token against the configured ones in constant time, or takes any non-empty token when none
 * are configured (a development server).
 */
export class TokenIdentity {
  private readonly allowed: readonly Buffer[] | undefined;

  constructor(
    private readonly key: string | Uint8Array,
    tokens?: readonly string[] | undefined,
  ) {
    this.allowed = tokens && tokens.length > 0 ? tokens.map((token) => this.digest(token)) : undefined;
  }

  /** True when no tokens are configured: any non-empty token is an identity. */
  get open(): boolean {
    return this.allowed === undefined;
  }

  /** The opaque id of a token (64 hex digits). */
  id(token: string): string {
    return this.digest(token).toString("hex");
  }

  /** True for a configured token (any non-empty one on an open server). */
  accepts(token: string): boolean {
    if (token.length === 0) return false;
    if (this.allowed === undefined) return true;
    const digest = this.digest(token);
    // Every configured token is compared, so the time does not tell which one matched.
    let found = false;
    for (const known of this.allowed) if (timingSafeEqual(known, digest)) found = true;
    return found;
  }

  private digest(token: string): Buffer {
    return createHmac("sha256", this.key).update(token, "utf8").digest();
  }
}
