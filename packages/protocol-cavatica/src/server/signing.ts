/**
 * Signed storage URLs, as the platform's pre-signed S3/GCS URLs [S3]: the part URL of `getPartUrl`
 * and the download URL of `getDownloadInfo` need no token; their signature is the authorisation
 * (CV-PART-URL-SIGNATURE) and `expires` bounds their life (CV-PART-URL-EXPIRY).
 *
 * The reference server signs `METHOD\n{id}\n[{part_number}\n]{expires}` with HMAC-SHA256 under a
 * per-server secret (spec `storagePutPart`, `storageGetFile`; an implementation detail, not part of
 * the protocol). Verification uses the path segments and query values exactly as received, so any
 * altered character (`1` → `01`, `%31`, an upper-case hex digit) fails.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export interface SignedQuery {
  /** Epoch seconds. */
  readonly expires: number;
  readonly signature: string;
}

export type SignatureCheck = "ok" | "invalid" | "expired";

export class UrlSigner {
  constructor(
    private readonly secret: Uint8Array,
    private readonly now: () => number,
  ) {}

  /** Signs `parts` (method, ids) valid for `ttlMs` from now; `expires` is in epoch seconds. */
  sign(parts: readonly string[], ttlMs: number): SignedQuery {
    const expires = Math.max(0, Math.floor((this.now() + ttlMs) / 1000));
    return { expires, signature: this.mac(parts, String(expires)) };
  }

  /**
   * Checks the raw query string (`url.search`) of a URL whose signed `parts` (raw path segments)
   * are given. The query must be exactly `?expires=<digits>&signature=<64 lowercase hex>`, as
   * signed, so no added, removed or re-encoded character passes. A signature that does not verify
   * is `invalid` even when also expired.
   */
  verify(parts: readonly string[], search: string): SignatureCheck {
    const match = /^\?expires=(\d{1,15})&signature=([0-9a-f]{64})$/.exec(search);
    if (match === null) return "invalid";
    const [, expires, signature] = match as unknown as [string, string, string];
    const expected = Buffer.from(this.mac(parts, expires), "hex");
    if (!timingSafeEqual(expected, Buffer.from(signature, "hex"))) return "invalid";
    return this.now() >= Number(expires) * 1000 ? "expired" : "ok";
  }

  private mac(parts: readonly string[], expires: string): string {
    return createHmac("sha256", this.secret)
      .update([...parts, expires].join("\n"))
      .digest("hex");
  }
}

/** The query string of a signed URL. */
export function signedQuery(signed: SignedQuery): string {
  return `expires=${signed.expires}&signature=${signed.signature}`;
}
