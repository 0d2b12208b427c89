/**
 * Signed content URLs. BaseSpace answers `files/{id}/content?redirect=meta` with an absolute,
 * expiring, signed storage URL (`HrefContent`, `Expires`, `SupportsRange`) that the Python SDK
 * then GETs with `Range` and without the access token (BaseSpaceAPI.py `fileS3metadata`,
 * `__downloadFile__`); `redirect=true` answers 302 to the same URL (BS-DOWNLOAD).
 *
 * The reference server plays its own storage: the URL points back at
 * `files/{id}/content?redirect=false`, with `expires` (Unix seconds) and `signature`, an
 * HMAC-SHA256 over the file id and the expiry under a key kept in the data directory, so URLs
 * survive a restart, cannot be forged for another file and stop working when they expire.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export class ContentSigner {
  constructor(private readonly key: Uint8Array) {}

  sign(fileId: string, expires: number): string {
    return createHmac("sha256", this.key).update(`${fileId}\n${expires}`).digest("hex");
  }

  /** True when `signature` is this server's signature of `fileId` until `expires`. */
  verify(fileId: string, expires: number, signature: string): boolean {
    if (!/^[0-9a-f]{64}$/.test(signature)) return false;
    const expected = Buffer.from(this.sign(fileId, expires), "hex");
    return timingSafeEqual(expected, Buffer.from(signature, "hex"));
  }
}
