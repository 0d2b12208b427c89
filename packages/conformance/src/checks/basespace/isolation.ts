/**
 * Isolation between tokens:
 *
 * - BS-AUTH-ISOLATION (must): a token without WRITE access cannot upload to another token's
 *   AppResult or upload. Source: [S0][S1] ("A file may be uploaded to an AppResult to which your
 *   application has WRITE access."). An upload of the target's token, one part stored, is written
 *   to (a part), completed and initiated into with the second token (`--other-token`), in
 *   generated orders; every call must be refused — with any 4xx, as the documents give no status
 *   (servers answer 403 or 404) — and the upload must be left unchanged: still pending, and once
 *   its owner completes it, exactly its owner's bytes.
 * - BS-AUTH-ISOLATION-READ (should): the second token cannot read the first token's File
 *   metadata or content, and its listing of the first token's AppResult is refused or leaves the
 *   File out. Inference from the access model of [S0]; the seeds do not describe reads. Checked
 *   on a pending and a completed upload, in generated orders.
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
  expectRefused,
  getFile,
  initiate,
  initiateCall,
  otherTokenOf,
  putPart,
  send,
  setStatus,
  storePart,
} from "./support.ts";

type Write = "part" | "complete" | "initiate";
const WRITES: readonly Write[] = ["part", "complete", "initiate"];

async function write(
  ctx: CheckContext,
  intrusion: Write,
  fileId: string,
  appResult: string,
  partNumber: number,
  seed: number,
  other: string,
): Promise<void> {
  let answer: HttpAnswer;
  switch (intrusion) {
    case "part":
      answer = await putPart(ctx, fileId, partNumber, bytesOf(8, seed), { token: other });
      break;
    case "complete":
      answer = await setStatus(ctx, fileId, "complete", other);
      break;
    case "initiate":
      answer = await send(ctx, { ...initiateCall(appResult, { name: "intruder.bin" }), token: other });
      abortIfCreated(ctx, answer, other);
      break;
  }
  expectRefused(
    ctx,
    answer,
    `${intrusion} ${intrusion === "initiate" ? "in the first token's AppResult" : "of the first token's upload"} with the second token`,
  );
}

export const bsAuthIsolation: Check = {
  id: "BS-AUTH-ISOLATION",
  protocol: "basespace",
  title:
    "a second token cannot upload parts to, complete or initiate in the first token's upload or AppResult",
  async run(ctx) {
    const other = otherTokenOf(ctx);
    const appResult = appResultOf(ctx);
    await ctx.property(
      fc.record({
        order: fc.shuffledSubarray([...WRITES], { minLength: WRITES.length }),
        partNumber: fc.integer({ min: 1, max: 3 }),
        seed: byteSeed,
      }),
      async ({ order, partNumber, seed }) => {
        const upload = await initiate(ctx, { name: "isolated.bin" });
        const owned = bytesOf(16, seed ^ 0x1234);
        await storePart(ctx, upload.id, 1, owned);
        for (const intrusion of order)
          await write(ctx, intrusion, upload.id, appResult, partNumber, seed, other);
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

type Read = "file" | "content" | "list";
const READS: readonly Read[] = ["file", "content", "list"];

async function read(ctx: CheckContext, what: Read, fileId: string, appResult: string, other: string) {
  const id = encodeURIComponent(fileId);
  if (what === "list") {
    const answer = await send(ctx, {
      method: "GET",
      path: `/appresults/${encodeURIComponent(appResult)}/files?Limit=1024`,
      token: other,
    });
    if (answer.status === 200) {
      const items = answer.json<{ Response?: { Items?: { Id?: unknown }[] } }>()?.Response?.Items ?? [];
      if (items.some((item) => item.Id === fileId))
        ctx.fail("the second token's listing of the first token's AppResult shows its File", answer.exchange);
      return;
    }
    expectRefused(ctx, answer, "listing the first token's AppResult with the second token");
    return;
  }
  const path = what === "file" ? `/files/${id}` : `/files/${id}/content?redirect=false`;
  const answer = await send(ctx, { method: "GET", path, token: other });
  expectRefused(
    ctx,
    answer,
    `GET ${what === "file" ? "the File" : "the content"} of the first token with the second token`,
  );
}

export const bsAuthIsolationRead: Check = {
  id: "BS-AUTH-ISOLATION-READ",
  protocol: "basespace",
  title: "a second token cannot read the first token's File, its content or its listing",
  async run(ctx) {
    const other = otherTokenOf(ctx);
    const appResult = appResultOf(ctx);
    const pending = await initiate(ctx, { name: "isolated-pending.bin" });
    await storePart(ctx, pending.id, 1, bytesOf(16, 1));
    const done = await initiate(ctx, { name: "isolated-complete.bin" });
    await storePart(ctx, done.id, 1, bytesOf(16, 2));
    await complete(ctx, done);
    await ctx.property(
      fc.shuffledSubarray([...READS], { minLength: READS.length }),
      async (order) => {
        for (const what of order) {
          if (what !== "content") await read(ctx, what, pending.id, appResult, other);
          await read(ctx, what, done.id, appResult, other);
        }
      },
      { numRuns: 2 },
    );
  },
};
