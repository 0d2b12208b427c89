/**
 * CV-ERROR-ENVELOPE (should): an API error answers a JSON body `{status, code, message, more_info}`.
 * Source: inference from sevenbridges-python decorators.py `check_for_error` and sevenbridges-java
 * DefaultError.java, which read these four keys; the documents only say platform codes "may be
 * contained in the body of the response".
 *
 * Check: generated refused API requests of every kind the suite provokes, on every endpoint — no
 * or a wrong token, unknown upload and file ids, part numbers out of range, init bodies that are
 * not JSON, lack a target, have a bad name or too large a size, malformed reports and batches, the
 * completion of an upload without parts — each answer a JSON body with all four fields, `status`
 * the HTTP status, `code` an integer, `message` and `more_info` strings. (Storage requests are not
 * API calls: S3 answers them in XML. A request the server unexpectedly accepts is another rule's
 * business; this check only judges refusals.)
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { HttpAnswer } from "../../context.ts";
import {
  type CallOptions,
  call,
  envelopeProblem,
  initUpload,
  MAX_FILE_SIZE,
  targetOf,
  uniqueName,
  uploadPath,
} from "./protocol.ts";

const alnum = (min: number, max: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9]{${min},${max}}$`));
const hex24 = fc.stringMatching(/^[0-9a-f]{24}$/);

interface Refusal {
  readonly what: string;
  readonly method: string;
  readonly path: string;
  readonly options?: CallOptions;
}

export const cvErrorEnvelope: Check = {
  id: "CV-ERROR-ENVELOPE",
  protocol: "cavatica",
  title: "Every API error answers {status, code, message, more_info}",
  async run(ctx) {
    const target = targetOf(ctx);
    const upload = await initUpload(ctx, { name: uniqueName("envelope") });
    const id = upload.upload_id;
    const refusals: fc.Arbitrary<Refusal> = fc.oneof(
      fc
        .constantFrom(
          "GET /upload/multipart",
          "POST /upload/multipart",
          `GET ${uploadPath(id)}`,
          `DELETE ${uploadPath(id)}`,
        )
        .map((line): Refusal => {
          const [method, path] = line.split(" ") as [string, string];
          return { what: `${line} without a token`, method, path, options: { as: "none" } };
        }),
      alnum(1, 40)
        .filter((token) => token !== ctx.target.token && token !== ctx.target.otherToken)
        .map(
          (token): Refusal => ({
            what: "a wrong token",
            method: "GET",
            path: "/upload/multipart",
            options: { as: { token } },
          }),
        ),
      fc
        .tuple(alnum(16, 64), fc.constantFrom("", "?list_parts=true", "/part/1", "/complete", "DELETE"))
        .map(([unknown, rest]): Refusal => {
          if (rest === "DELETE")
            return { what: "abort of an unknown upload", method: "DELETE", path: uploadPath(unknown) };
          const method = rest === "/complete" ? "POST" : "GET";
          return {
            what: `an unknown upload (${rest || "details"})`,
            method,
            path: uploadPath(unknown, rest),
          };
        }),
      fc
        .oneof(fc.constant(0), fc.integer({ min: 10_001, max: 2 ** 31 }))
        .map(
          (n): Refusal => ({ what: `part number ${n}`, method: "GET", path: uploadPath(id, `/part/${n}`) }),
        ),
      fc.constantFrom("{", "[1,", "name=x", "\u0000", "{'a': 1}").map(
        (raw): Refusal => ({
          what: "an init body that is not JSON",
          method: "POST",
          path: "/upload/multipart",
          options: { raw },
        }),
      ),
      fc
        .oneof(
          fc.constant({ name: "x" } as Record<string, unknown>),
          fc.constant({ ...target } as Record<string, unknown>),
          alnum(0, 10).map((s) => ({ ...target, name: `${s}/${s}` }) as Record<string, unknown>),
          fc
            .integer({ min: MAX_FILE_SIZE + 1, max: Number.MAX_SAFE_INTEGER })
            .map((size) => ({ ...target, name: uniqueName("envelope"), size }) as Record<string, unknown>),
        )
        .map(
          (body): Refusal => ({
            what: `the init body ${JSON.stringify(body)}`,
            method: "POST",
            path: "/upload/multipart",
            options: { body },
          }),
        ),
      fc
        .constantFrom<unknown>({ part_number: "1" }, { response: {} }, [], {
          part_number: 1,
          response: { headers: 1 },
        })
        .map(
          (body): Refusal => ({
            what: `the report ${JSON.stringify(body)}`,
            method: "POST",
            path: uploadPath(id, "/part"),
            options: { body },
          }),
        ),
      fc.constantFrom<unknown>({}, { parts: 1 }, []).map(
        (body): Refusal => ({
          what: `the batch ${JSON.stringify(body)}`,
          method: "POST",
          path: uploadPath(id),
          options: { body },
        }),
      ),
      fc.constant<Refusal>({
        what: "completing an upload without parts",
        method: "POST",
        path: uploadPath(id, "/complete"),
      }),
      fc.tuple(hex24, fc.constantFrom("", "/download_info")).map(
        ([file, rest]): Refusal => ({
          what: `an unknown file (${rest || "details"})`,
          method: "GET",
          path: `/files/${file}${rest}`,
        }),
      ),
    );
    await ctx.property(
      refusals,
      async ({ what, method, path, options }) => {
        const answer: HttpAnswer = await call(ctx, method, path, options);
        if (answer.status < 400) return;
        const problem = envelopeProblem(answer);
        if (problem !== undefined) ctx.fail(`the ${answer.status} answer to ${what}: ${problem}`);
      },
      { numRuns: 40 },
    );
  },
};
