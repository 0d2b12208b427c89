/**
 * `uploadType=multipart` ([S4]; YF-MULTIPART-MAX-SIZE): the whole file in ONE `POST /files`, its
 * `multipart/related` body streamed from the source (see the client), driven as a one-part
 * `UploadSession` so that retries, backoff, `Retry-After` and abort are the shared ones. A retry
 * sends the whole request again, re-reading the source; the file's MD5, when asked for
 * (`wholeFileMd5` or `verify`), is taken from the bytes the successful attempt read.
 *
 * The one "part" succeeds only when the server's `File` has the right size and, where the server
 * exposes an MD5 `ETag` and `verify` is on, the right MD5; a mismatch is a retryable `PW_YOUFORCE_CORRUPT` and the
 * request is sent again. (The corrupt copy stays on the server: publishers cannot delete.)
 */
import { driveUpload, type UploadDriver } from "@partwise/client";
import { createMd5, type RandomAccessSource, toHex, UploadSession } from "@partwise/engine";
import type { UploadMedia, YouforceClient } from "../client/client.ts";
import type { File } from "../generated/schemas.ts";
import { hashedWindows } from "./digest.ts";
import type {
  ResolvedSettings,
  YouforceUploadProgress,
  YouforceUploadResult,
  YouforceUploadSettings,
} from "./options.ts";
import { checkSize, verifyStored } from "./verify.ts";

export type MultipartMedia =
  | { readonly kind: "source"; readonly source: RandomAccessSource }
  /** A stream that turned out to fit in one chunk: its bytes, already hashed if asked for. */
  | { readonly kind: "bytes"; readonly bytes: Uint8Array; readonly md5: string | undefined };

export async function uploadMultipart(
  client: YouforceClient,
  settings: ResolvedSettings,
  options: YouforceUploadSettings,
  media: MultipartMedia,
): Promise<YouforceUploadResult> {
  const size = media.kind === "bytes" ? media.bytes.length : media.source.size;
  const call = { signal: options.signal, tenantId: options.tenantId };
  let stored: { file: File; md5: string | undefined; verified: boolean } | undefined;

  const driver: UploadDriver = {
    async sendPart(_command, signal) {
      let body: UploadMedia;
      let digest: () => string | undefined;
      if (media.kind === "bytes") {
        body = media.bytes;
        digest = () => media.md5;
      } else {
        const hash = settings.wholeFileMd5 ? await createMd5() : undefined;
        body = hashedWindows(media.source, hash);
        digest = () => (hash === undefined ? undefined : toHex(hash.digest()));
      }
      const file = await client.uploadFile({
        uploadType: "multipart",
        metadata: {
          fileName: settings.fileName,
          businessTypeId: settings.businessTypeId,
          customMetadata: settings.customMetadata,
        },
        media: body,
        mediaSize: size,
        deniedExtensions: options.deniedExtensions,
        signal,
        tenantId: options.tenantId,
      });
      checkSize(file, size, "uploadFile");
      const md5 = digest();
      const verified =
        settings.verify && md5 !== undefined
          ? await verifyStored(client, file, md5, { ...call, signal })
          : false;
      stored = { file, md5, verified };
      // The session wants a part tag; nothing checks it for the one part of a multipart upload.
      return md5 ?? "";
    },
    async complete() {},
  };

  const session = new UploadSession({
    parts: [{ number: 1, size }],
    concurrency: 1,
    retry: options.retry,
    random: options.random ?? Math.random,
  });
  const onProgress = options.onProgress;
  await driveUpload({
    session,
    driver,
    clock: options.clock,
    signal: options.signal,
    onProgress:
      onProgress === undefined
        ? undefined
        : (progress) =>
            onProgress({
              ...progress,
              uploadType: "multipart",
              totalKnown: true,
            } satisfies YouforceUploadProgress),
  });
  if (stored === undefined) throw new Error("the multipart session completed without a stored file");
  return {
    ...stored.file,
    ...(stored.md5 === undefined ? {} : { md5: stored.md5 }),
    parts: 1,
    uploadType: "multipart",
    verified: stored.verified,
    resumed: false,
  };
}
