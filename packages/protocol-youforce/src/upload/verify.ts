/**
 * End-to-end check of a stored file. YouForce answers uploads without any digest (no ETag, no MD5
 * in `File`), so a chunk corrupted on its way is stored silently. What can be checked: the
 * `File.size` answered, and — where the server sends one on `HEAD /files/{id}` — an `ETag` that is
 * an MD5 (the reference server sends the file's; the vendor documents none). A mismatch is a
 * retryable `PW_YOUFORCE_CORRUPT`: the file must be sent again.
 */
import type { YouforceClient } from "../client/client.ts";
import { YouforceError } from "../client/errors.ts";
import type { File } from "../generated/schemas.ts";

export function checkSize(file: File, size: number, operation: "uploadFile" | "uploadChunk"): void {
  if (file.size !== size)
    throw new YouforceError(`${operation}: the server stored ${file.size} bytes where ${size} were sent`, {
      kind: "invalid-response",
      operation,
      retryable: false,
    });
}

/** An `ETag` holding a bare MD5 in hex (`"…"` or `W/"…"`), or undefined. */
export function md5FromEtag(etag: string | undefined): string | undefined {
  const match = etag === undefined ? null : /^(?:W\/)?"?([0-9a-fA-F]{32})"?$/.exec(etag.trim());
  return match ? match[1]!.toLowerCase() : undefined;
}

/**
 * True when the server's MD5 was compared and matched; false when it could not be compared (no
 * MD5 ETag, or the HEAD failed: the upload itself succeeded). Throws `PW_YOUFORCE_CORRUPT` on a
 * mismatch, and `PW_YOUFORCE_ABORTED` when `signal` fired.
 */
export async function verifyStored(
  client: YouforceClient,
  file: File,
  md5: string,
  call: { readonly signal?: AbortSignal | undefined; readonly tenantId?: string | undefined },
): Promise<boolean> {
  let etag: string | undefined;
  try {
    ({ etag } = await client.headFile({
      fileId: file.id,
      role: "publisher",
      signal: call.signal,
      tenantId: call.tenantId,
    }));
  } catch (error) {
    if (error instanceof YouforceError && error.kind === "aborted") throw error;
    return false;
  }
  const stored = md5FromEtag(etag);
  if (stored === undefined) return false;
  if (stored !== md5)
    throw new YouforceError(
      `The stored file ${file.id} has MD5 ${stored}, the local file ${md5}: bytes were corrupted on the way`,
      {
        kind: "invalid-response",
        code: "PW_YOUFORCE_CORRUPT",
        operation: "headFile",
        retryable: true,
      },
    );
  return true;
}
