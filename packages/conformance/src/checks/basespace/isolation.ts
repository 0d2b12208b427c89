/**
 * BS-AUTH-ISOLATION (must): a token may write only to AppResults it has WRITE access to, and
 * cannot read, upload parts to, complete or abort another token's file.
 * Source: [S0][S1] (WRITE access to the AppResult is required); specs/basespace.yaml, "Isolation".
 *
 * A file initiated with the target's token, with one part stored, is fetched, downloaded, written,
 * completed and aborted with the second token (`--other-token`), which also tries to initiate in
 * and list the first token's AppResult, in generated orders. Every call must be refused with 403
 * or 404 (a listing may instead leave the file out), and the upload must be left unchanged: still
 * pending, and once its owner completes it, exactly its owner's bytes.
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext, HttpAnswer } from "../../context.ts";
import {
  abortIfCreated,
  appResultOf,
  byteSeed,
  bytesOf,
  complete,
  expectContent,
  getFile,
  initiate,
  otherTokenOf,
  putPart,
  query,
  send,
  setStatus,
  storePart,
} from "./support.ts";

type Intrusion = "file" | "content" | "part" | "complete" | "abort" | "initiate" | "list";
const INTRUSIONS: readonly Intrusion[] = ["file", "content", "part", "complete", "abort", "initiate", "list"];

interface Attempt {
  readonly order: readonly Intrusion[];
  /** The part number the intruder writes (the owner's is 1). */
  readonly partNumber: number;
  readonly seed: number;
}

async function intrude(
  ctx: CheckContext,
  intrusion: Intrusion,
  fileId: string,
  appResult: string,
  attempt: Attempt,
  other: string,
): Promise<void> {
  const ar = encodeURIComponent(appResult);
  let answer: HttpAnswer;
  switch (intrusion) {
    case "file":
      answer = await send(ctx, { method: "GET", path: `/files/${fileId}`, token: other });
      break;
    case "content":
      answer = await send(ctx, {
        method: "GET",
        path: `/files/${fileId}/content?redirect=false`,
        token: other,
      });
      break;
    case "part":
      answer = await putPart(ctx, fileId, attempt.partNumber, bytesOf(8, attempt.seed), { token: other });
      break;
    case "complete":
      answer = await setStatus(ctx, fileId, "complete", other);
      break;
    case "abort":
      answer = await setStatus(ctx, fileId, "aborted", other);
      break;
    case "initiate": {
      answer = await send(ctx, {
        method: "POST",
        path: `/appresults/${ar}/files${query({ name: "intruder.bin", multipart: "true" })}`,
        token: other,
      });
      abortIfCreated(ctx, answer, other);
      break;
    }
    case "list": {
      answer = await send(ctx, { method: "GET", path: `/appresults/${ar}/files?Limit=1024`, token: other });
      if (answer.status === 200) {
        const items = answer.json<{ Response?: { Items?: { Id?: unknown }[] } }>()?.Response?.Items ?? [];
        if (items.some((item) => item.Id === fileId))
          ctx.fail(
            "the second token's listing of the first token's AppResult shows its file",
            answer.exchange,
          );
        return;
      }
      break;
    }
  }
  if (answer.status !== 403 && answer.status !== 404)
    ctx.fail(
      `${intrusion} of the first token's ${intrusion === "initiate" || intrusion === "list" ? "AppResult" : "file"} with the second token answered ${answer.status}, expected 403 or 404`,
      answer.exchange,
    );
}

export const bsAuthIsolation: Check = {
  id: "BS-AUTH-ISOLATION",
  protocol: "basespace",
  title: "a second token cannot read, write, complete or abort the first token's upload",
  async run(ctx) {
    const other = otherTokenOf(ctx);
    const appResult = appResultOf(ctx);
    const attempt = fc.record({
      order: fc.shuffledSubarray([...INTRUSIONS], { minLength: INTRUSIONS.length }),
      partNumber: fc.integer({ min: 1, max: 3 }),
      seed: byteSeed,
    });
    await ctx.property(
      attempt,
      async (value) => {
        const upload = await initiate(ctx, { name: "isolated.bin" });
        const owned = bytesOf(16, value.seed ^ 0x1234);
        await storePart(ctx, upload.id, 1, owned);
        for (const intrusion of value.order)
          await intrude(ctx, intrusion, upload.id, appResult, value, other);
        const after = await getFile(ctx, upload.id);
        if (after.UploadStatus !== "pending")
          ctx.fail(`after the second token's attempts the upload is ${after.UploadStatus}, not pending`);
        await complete(ctx, upload);
        await expectContent(ctx, upload.id, owned, "the owner's file after the second token's attempts");
      },
      { numRuns: 3 },
    );
  },
};
