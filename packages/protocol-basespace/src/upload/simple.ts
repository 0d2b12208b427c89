/**
 * BS-SIMPLE-UPLOAD: a file of known size up to `simpleUploadMax` (25,000,000 bytes by default,
 * where the Python SDK switches) in one `POST appresults/{id}/files?name=…` with the file's
 * `Content-Type` and `Content-MD5`; answered 201 (200 accepted) with a complete File.
 */
import type { UploadDriver } from "@partwise/client";
import { type RandomAccessSource, readPart, toBase64, toHex } from "@partwise/engine";
import type { File as BasespaceFile } from "../generated/schemas.ts";
import type { BasespaceUploadResult } from "./options.ts";
import { type Context, describeResult, drive, invalidAnswer, newSession } from "./run.ts";

/** BS-SIMPLE-UPLOAD: the whole file in one request, run as a one-part session for its retries and abort. */
export async function simpleUpload(ctx: Context, source: RandomAccessSource): Promise<BasespaceUploadResult> {
  const { client, settings } = ctx;
  const size = source.size;
  let stored: BasespaceFile | undefined;
  let md5: string | undefined;
  const driver: UploadDriver = {
    async sendPart(_command, signal) {
      const part = await readPart(source, { number: 1, offset: 0, size });
      md5 = toHex(part.md5);
      const answer = await client.createAppResultFile(
        {
          appResultId: settings.appResultId,
          name: settings.name,
          directory: settings.directory,
          contentType: settings.contentType,
          body: part.bytes,
          contentMd5: toBase64(part.md5),
        },
        { signal },
      );
      const file = answer.Response;
      if (file.UploadStatus !== "complete" || file.Size !== size)
        throw invalidAnswer(
          "createAppResultFile",
          `the simple upload answered UploadStatus ${file.UploadStatus} and Size ${file.Size} for ${size} bytes`,
        );
      stored = file;
      return md5;
    },
    async complete() {},
  };
  await drive(ctx, newSession(ctx, [{ number: 1, offset: 0, size }]), driver, { totalsKnown: () => true });
  // One part: its MD5, which Content-MD5 needs anyway, is the whole file's.
  const whole = settings.wholeFileMd5 ? md5 : undefined;
  return describeResult(stored!, { md5: whole, parts: 1, method: "simple", resumed: false });
}
