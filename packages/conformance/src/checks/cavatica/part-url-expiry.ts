/**
 * CV-PART-URL-EXPIRY (must): a storage request made after the part URL's `expires` time is refused
 * and stores nothing.
 * Source: [S3] "expires | ISO 8601 combined date and time representation in Coordinated Universal
 * Time (UTC) by when the HTTP part upload request should be made."
 *
 * Check: a part URL is fetched and, when its `expires` is close enough to wait for (at most the
 * target's `maxWaitMs`, `--wait`, default 15 s; the embedded server's part URLs live 5 s), used a
 * second after it; the storage request is refused (4xx, not a success code; 403 on S3 and the
 * reference server). Then the part is reported with the MD5 of the bytes sent: the report must be
 * refused, or, if the server takes reports unverified, completing the upload must be. Finally a
 * fresh URL of the same part works. Skipped, with the reason, when the URL lives longer than the
 * check may wait. The wait is measured on the server's clock (its `Date` header) when it sends one.
 */
import type { Check } from "../../check.ts";
import {
  bytesOf,
  completeUpload,
  expiryOf,
  getPartUrlAnswer,
  initUpload,
  isSuccess,
  md5Hex,
  reportPart,
  seedOf,
  sleep,
  storageRequest,
  storePart,
  successCodes,
  uniqueName,
} from "./protocol.ts";

/** The longest this check waits for a URL to expire unless the target says otherwise (`--wait`). */
const DEFAULT_MAX_WAIT_MS = 15_000;
/** Past `expires` by this much (it has whole-second precision; clocks differ a little). */
const MARGIN_MS = 1_000;

export const cvPartUrlExpiry: Check = {
  id: "CV-PART-URL-EXPIRY",
  protocol: "cavatica",
  title: "A storage request after the part URL's expires is refused and stores nothing",
  async run(ctx) {
    const upload = await initUpload(ctx, { name: uniqueName("expiry") });
    const id = upload.upload_id;
    const maxWaitMs = ctx.target.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    const { partUrl, answer } = await getPartUrlAnswer(ctx, id, 1);
    const expiresAt = expiryOf(partUrl.expires);
    if (expiresAt === undefined)
      return ctx.fail(`the part URL's expires ${JSON.stringify(partUrl.expires)} is not a time`);
    // Time left on the server's clock when it answered (its Date header), else on ours.
    const serverNow = Date.parse(answer.headers.get("date") ?? "");
    const left = expiresAt - (Number.isNaN(serverNow) ? Date.now() : serverNow);
    const wait = left + MARGIN_MS;
    if (wait > maxWaitMs)
      ctx.skip(
        `the part URL expires in ${Math.round(left / 1000)} s, longer than this check waits (${Math.round(maxWaitMs / 1000)} s); raise --wait or test against a server with short-lived part URLs (partwise serve --part-url-ttl)`,
      );
    if (wait > 0) await sleep(wait, ctx.signal);

    const bytes = bytesOf(64, seedOf(ctx));
    const late = await storageRequest(ctx, partUrl, bytes);
    if (successCodes(partUrl).includes(late.status) || late.status < 400 || late.status >= 500)
      ctx.fail(
        `the storage request made after the part URL's expires answered ${late.status}, not a refusal (403)`,
      );

    const etag = md5Hex(bytes);
    const reported = await reportPart(ctx, id, 1, { ETag: etag });
    if (isSuccess(reported.status)) {
      const completed = await completeUpload(ctx, id);
      if (isSuccess(completed.status))
        ctx.fail(
          "the bytes of the refused, expired storage request were stored: the upload completed with them",
        );
    }
    // A fresh URL of the same part may be fetched and used at any time.
    await storePart(ctx, id, 1, bytes);
  },
};
