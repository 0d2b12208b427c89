/**
 * The BaseSpace envelope [S0][S1]:
 *
 * - BS-ENVELOPE (must): every JSON answer of the documented flow is `{Response, ResponseStatus,
 *   Notifications}`; on success ResponseStatus carries no error and Notifications is an array.
 *   Source: every answer [S0][S1] show. Every success of the documented flow (initiate, part,
 *   complete), with generated names and bytes, must validate against its envelope schema. (The
 *   answers of the SDK-only endpoints — GET files/{id}, the listing, `redirect=meta`, abort — are
 *   checked by the rules that use them.)
 * - BS-ERROR-ENVELOPE (should): an error answers with the envelope whose ResponseStatus carries
 *   `ErrorCode` and `Message`. Source: basespace-python-sdk model/ResponseStatus.py; ServiceStack
 *   ResponseStatus.
 *   Generated refused requests of every kind the suite makes (no or wrong token, bad part number,
 *   missing name, unknown file, bad uploadstatus, Content-MD5 mismatch, content of a pending
 *   upload, part for an aborted upload) must answer the error envelope.
 */
import type { File } from "@partwise/protocol-basespace";
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext, HttpAnswer } from "../../context.ts";
import {
  abortAfterwards,
  appResultOf,
  byteSeed,
  bytesOf,
  directorySegment,
  type EnvelopeSchema,
  envelopeOf,
  expectStatus,
  fileName,
  initiate,
  initiateCall,
  MAX_PART_NUMBER,
  md5Base64,
  putPart,
  send,
  setStatus,
  storePart,
} from "./support.ts";

/** Fails unless a success answer is the whole envelope of `schema` with an error-free status. */
function expectSuccessEnvelope(
  ctx: CheckContext,
  answer: HttpAnswer,
  schema: EnvelopeSchema,
  what: string,
  statuses: readonly number[] = [200],
): void {
  expectStatus(ctx, answer, statuses, what);
  envelopeOf(ctx, answer, schema, what);
  const body = answer.json<Record<string, unknown>>() ?? {};
  const status = body.ResponseStatus as Record<string, unknown> | undefined;
  if (typeof status !== "object" || status === null || Array.isArray(status))
    ctx.fail(`${what}: the envelope has no ResponseStatus object`, answer.exchange);
  if (status.ErrorCode || status.Message)
    ctx.fail(`${what}: a success whose ResponseStatus carries an ErrorCode or Message`, answer.exchange);
  if (!Array.isArray(body.Notifications))
    ctx.fail(`${what}: the envelope has no Notifications array`, answer.exchange);
}

export const bsEnvelope: Check = {
  id: "BS-ENVELOPE",
  protocol: "basespace",
  title:
    "every successful answer of the documented flow is the {Response, ResponseStatus, Notifications} envelope",
  async run(ctx) {
    const _ar = encodeURIComponent(appResultOf(ctx));
    await ctx.property(
      fc.record({
        name: fileName,
        directory: fc.option(directorySegment, { nil: undefined }),
        bytes: fc.uint8Array({ minLength: 1, maxLength: 1024 }),
      }),
      async ({ name, directory, bytes }) => {
        const started = await send(ctx, initiateCall(appResultOf(ctx), { name, directory }));
        expectSuccessEnvelope(ctx, started, "FileResponse", "initiating");
        const upload = { id: envelopeOf<File>(ctx, started, "FileResponse", "initiating").Id, ended: false };
        abortAfterwards(ctx, upload);
        const id = encodeURIComponent(upload.id);
        ctx.spend(bytes.length);
        const calls: [string, Parameters<typeof send>[1], EnvelopeSchema, number[]][] = [
          [
            "PUT part 1",
            {
              method: "PUT",
              path: `/files/${id}/parts/1`,
              body: bytes,
              headers: { "content-md5": await md5Base64(bytes) },
            },
            "FilePartResponse",
            [200],
          ],
          [
            "completing",
            { method: "POST", path: `/files/${id}?uploadstatus=complete` },
            "FileResponse",
            [200, 201],
          ],
        ];
        for (const [what, call, schema, statuses] of calls) {
          const answer = await send(ctx, call);
          if (what === "completing" && answer.status < 300) upload.ended = true;
          expectSuccessEnvelope(ctx, answer, schema, what, statuses);
        }
      },
      { numRuns: 3 },
    );
  },
};

type Refusal =
  | "no-token"
  | "wrong-token"
  | "part-number"
  | "no-name"
  | "unknown-file"
  | "bad-status"
  | "md5-mismatch"
  | "content-of-pending"
  | "part-for-aborted";
const REFUSALS: readonly Refusal[] = [
  "no-token",
  "wrong-token",
  "part-number",
  "no-name",
  "unknown-file",
  "bad-status",
  "md5-mismatch",
  "content-of-pending",
  "part-for-aborted",
];

export const bsErrorEnvelope: Check = {
  id: "BS-ERROR-ENVELOPE",
  protocol: "basespace",
  title: "every refusal answers the envelope with ResponseStatus.ErrorCode and ResponseStatus.Message",
  async run(ctx) {
    const ar = encodeURIComponent(appResultOf(ctx));
    const pending = await initiate(ctx, { name: "errors.bin" });
    await storePart(ctx, pending.id, 1, bytesOf(8, 1));
    const aborted = await initiate(ctx, { name: "errors-aborted.bin" });
    expectStatus(ctx, await setStatus(ctx, aborted.id, "aborted"), 200, "aborting an upload");
    aborted.ended = true;
    const known = new Set([ctx.target.token, ctx.target.otherToken]);
    await ctx.property(
      fc.record({
        refusal: fc.constantFrom(...REFUSALS),
        token: fc.stringMatching(/^[A-Za-z0-9]{8,40}$/).filter((token) => !known.has(token)),
        partNumber: fc.oneof(
          fc.constant(0),
          fc.integer({ min: MAX_PART_NUMBER + 1, max: 99_999 }),
          fc.integer({ min: -999, max: -1 }),
        ),
        fileId: fc.integer({ min: 1, max: 2 ** 31 }).map(String),
        status: fc.constantFrom("pending", "done", "completed", "abort", "x"),
        seed: byteSeed,
      }),
      async (v) => {
        const p = encodeURIComponent(pending.id);
        const bytes = bytesOf(8, v.seed);
        let answer: HttpAnswer;
        switch (v.refusal) {
          case "no-token":
            answer = await send(ctx, { method: "GET", path: `/files/${p}`, token: null });
            break;
          case "wrong-token":
            answer = await send(ctx, {
              method: "GET",
              path: `/files/${p}`,
              token: v.token,
              carrier: "bearer",
            });
            break;
          case "part-number":
            answer = await putPart(ctx, pending.id, String(v.partNumber), bytes);
            break;
          case "no-name":
            answer = await send(ctx, {
              method: "POST",
              path: `/appresults/${ar}/files?multipart=true`,
              headers: { "content-type": "application/octet-stream" },
            });
            break;
          case "unknown-file":
            if (v.fileId === pending.id || v.fileId === aborted.id) return;
            answer = await send(ctx, { method: "GET", path: `/files/${v.fileId}` });
            break;
          case "bad-status":
            answer = await setStatus(ctx, pending.id, v.status);
            break;
          case "md5-mismatch":
            answer = await putPart(ctx, pending.id, 2, bytes, {
              contentMd5: await md5Base64(bytesOf(8, ~v.seed)),
            });
            break;
          case "content-of-pending":
            answer = await send(ctx, { method: "GET", path: `/files/${p}/content?redirect=false` });
            break;
          case "part-for-aborted":
            answer = await putPart(ctx, aborted.id, 1, bytes);
            break;
        }
        // Only refusals are judged here; whether this request must be refused is another rule's.
        if (answer.status < 400) return;
        const body = answer.json<{ ResponseStatus?: { ErrorCode?: unknown; Message?: unknown } }>();
        const status = body?.ResponseStatus;
        if (
          typeof status?.ErrorCode !== "string" ||
          status.ErrorCode === "" ||
          typeof status.Message !== "string"
        )
          ctx.fail(
            `the ${answer.status} answer to a ${v.refusal} request has no ResponseStatus with ErrorCode and Message`,
            answer.exchange,
          );
      },
      { numRuns: 30 },
    );
  },
};
