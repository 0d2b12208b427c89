/**
 * CV-PART-URL-SIGNATURE (must): the part URL is signed for one upload and one part number: a URL
 * whose characters have been altered (its upload id, part number, expiry or signature), or edited
 * to name another part or another upload, is refused and stores nothing.
 * Source: [S3] "This call returns the signed URL required to upload a part of a multipart upload."
 *
 * Check: for each generated run a fresh part URL is fetched and one character of its path or query
 * (the URL is opaque, so any of them: the upload id, the part number, the expiry and the signature
 * all live there) is replaced by another URL-safe character; the storage request to the altered
 * URL is refused (4xx, not a success code; 403 where the signature is what fails). Then the scope
 * of a URL: the URL of part 2 with each standalone `2` of its path and query edited to `3` (as in
 * `/parts/2` or `partNumber=2`), and the URL of one upload with that upload's id edited to another
 * upload's id (where the URL shows it), are refused. The unaltered URL then still works, so the
 * refusals were the alteration's.
 */
import type { PartUrl } from "@partwise/protocol-cavatica";
import fc from "fast-check";
import type { Check } from "../../check.ts";
import {
  bytesOf,
  getPartUrl,
  initUpload,
  seedOf,
  storageRequest,
  storePart,
  successCodes,
  uniqueName,
} from "./protocol.ts";

/** Unreserved characters other than `.`, which URL parsers fold in `/./` and `/../` segments. */
const SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~";

/** Where the path starts in an absolute URL string (after `scheme://authority`). */
function pathStart(url: string): number {
  const authority = url.indexOf("://");
  const slash = url.indexOf("/", authority + 3);
  return slash === -1 ? url.length : slash;
}

/** The URL with one character of its path or query (never the leading `/`) replaced. */
export function tamper(
  url: string,
  position: number,
  replacement: number,
): { readonly url: string; readonly what: string } | undefined {
  const start = pathStart(url);
  const hash = url.indexOf("#");
  const end = hash === -1 ? url.length : hash;
  if (end - start < 2) return undefined;
  const at = start + 1 + (position % (end - start - 1));
  let char = SAFE[replacement % SAFE.length]!;
  if (char === url[at]) char = SAFE[(replacement + 1) % SAFE.length]!;
  const what = `character ${at - start} of the path and query, ${JSON.stringify(url[at])} → ${JSON.stringify(char)}`;
  return { url: url.slice(0, at) + char + url.slice(at + 1), what };
}

export const cvPartUrlSignature: Check = {
  id: "CV-PART-URL-SIGNATURE",
  protocol: "cavatica",
  title: "A part URL with one character of its path or query altered is refused",
  async run(ctx) {
    const upload = await initUpload(ctx, { name: uniqueName("signature") });
    const bytes = bytesOf(32, seedOf(ctx));
    await ctx.property(
      fc.record({ part: fc.integer({ min: 1, max: 3 }), position: fc.nat(), replacement: fc.nat() }),
      async ({ part, position, replacement }) => {
        const partUrl = await getPartUrl(ctx, upload.upload_id, part);
        const altered = tamper(partUrl.url, position, replacement);
        if (altered === undefined) return ctx.skip("the part URL has no path or query to alter");
        const answer = await storageRequest(ctx, partUrl, bytes, altered.url);
        if (successCodes(partUrl).includes(answer.status) || answer.status < 400 || answer.status >= 500)
          ctx.fail(
            `the storage request to the part URL with ${altered.what} answered ${answer.status}, not a refusal (403)`,
          );
      },
      { numRuns: 25 },
    );

    // Scope: another part number, another upload.
    const expectRefused = async (partUrl: PartUrl, url: string, what: string) => {
      const answer = await storageRequest(ctx, partUrl, bytes, url);
      if (successCodes(partUrl).includes(answer.status) || answer.status < 400 || answer.status >= 500)
        ctx.fail(`the storage request to ${what} answered ${answer.status}, not a refusal (403)`);
    };
    const second = await getPartUrl(ctx, upload.upload_id, 2);
    for (const edited of editStandalone(second.url, "2", "3"))
      await expectRefused(second, edited, "the URL of part 2 edited to name part 3");
    const other = await initUpload(ctx, { name: uniqueName("signature") });
    const first = await getPartUrl(ctx, upload.upload_id, 1);
    if (first.url.includes(upload.upload_id))
      await expectRefused(
        first,
        first.url.replaceAll(upload.upload_id, other.upload_id),
        "a URL of one upload edited to name another upload of the same token",
      );
    await storePart(ctx, upload.upload_id, 1, bytes);
  },
};

/**
 * The URL with one standalone occurrence of `from` (not inside a longer run of letters and digits)
 * in its path and query replaced by `to`, for each such occurrence.
 */
export function editStandalone(url: string, from: string, to: string): string[] {
  const start = pathStart(url);
  const edited: string[] = [];
  const pattern = new RegExp(`(?<![A-Za-z0-9])${from}(?![A-Za-z0-9])`, "g");
  for (const match of url.slice(start).matchAll(pattern)) {
    const at = start + (match.index ?? 0);
    edited.push(url.slice(0, at) + to + url.slice(at + from.length));
  }
  return edited;
}
