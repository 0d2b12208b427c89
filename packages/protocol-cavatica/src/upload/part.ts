/**
 * One attempt at one part, as the part URL response says (specs/cavatica.yaml `getPartUrl` [S3]):
 *
 * 1. `getPartUrl`; a URL whose `expires` has passed is replaced before use (CV-PART-URL-EXPIRY) —
 *    a URL is per attempt, never reused;
 * 2. the storage request with the answer's `method`, `url` and `headers` (CV-PART-URL; the client's
 *    `storagePutPart`), success only on its success codes (CV-SUCCESS-CODES); a 403 once the URL
 *    has expired means it expired in transit: a fresh URL, and the bytes again;
 * 3. the ETag, when it is an MD5 (S3 without SSE-KMS, the reference server), must be the MD5 of
 *    the bytes sent (CV-STORAGE-ETAG); otherwise the part was corrupted on the way: retryable.
 */
import type { Clock } from "@partwise/client";
import type { CavaticaClient } from "../client/client.ts";
import { CavaticaError, isCavaticaError } from "../client/errors.ts";
import type { PartUrl } from "../generated/schemas.ts";

/** Fresh part URLs one attempt may fetch when they keep expiring before use. */
const MAX_PART_URLS = 3;
const MD5_HEX = /^[0-9a-f]{32}$/i;

/** When a part URL stops working, in epoch ms: `expires` as an ISO date-time or epoch seconds. */
export function expiryOf(expires: PartUrl["expires"]): number | undefined {
  // Epoch seconds per the [S3] table; a value only milliseconds make sense of is taken as such.
  if (typeof expires === "number") return expires >= 1e11 ? expires : expires * 1000;
  const ms = Date.parse(expires);
  return Number.isNaN(ms) ? undefined : ms;
}

export interface StoredPart {
  /** The ETag without quotes (the local MD5 when the storage sent none and none was asked for). */
  readonly etag: string;
  /** The headers to report, as `report.headers` names them (CV-REPORT-HEADERS). */
  readonly headers: Readonly<Record<string, string>>;
}

export async function putPart(
  client: CavaticaClient,
  uploadId: string,
  number: number,
  part: { readonly bytes: Uint8Array; readonly md5: string },
  context: { readonly clock: Clock; readonly signal: AbortSignal },
): Promise<StoredPart> {
  const { clock, signal } = context;
  for (let urls = 1; ; urls++) {
    const partUrl = await client.getPartUrl(uploadId, number, { signal });
    const expiresAt = expiryOf(partUrl.expires);
    const expired = () => expiresAt !== undefined && clock.now() >= expiresAt;
    if (expired()) {
      if (urls < MAX_PART_URLS) continue;
      throw new CavaticaError(
        "PW_CAVATICA_INVALID_RESPONSE",
        `getPartUrl: part ${number}'s URL had expired when it arrived, ${urls} times (clock skew?)`,
        { operation: "getPartUrl", rule: "CV-PART-URL-EXPIRY", retryable: true },
      );
    }
    let stored: Awaited<ReturnType<CavaticaClient["storagePutPart"]>>;
    try {
      stored = await client.storagePutPart(partUrl, part.bytes, { signal });
    } catch (error) {
      if (isCavaticaError(error) && error.status === 403 && expired() && urls < MAX_PART_URLS) continue;
      throw error;
    }
    const etag = stored.etag;
    if (etag !== undefined && MD5_HEX.test(etag) && etag.toLowerCase() !== part.md5)
      throw new CavaticaError(
        "PW_CAVATICA_CORRUPT_PART",
        `storagePutPart: part ${number}'s ETag is not the MD5 of the bytes sent (corrupted in transit)`,
        { operation: "storagePutPart", status: stored.status, rule: "CV-STORAGE-ETAG", retryable: true },
      );
    return { etag: etag ?? part.md5, headers: stored.headers };
  }
}
