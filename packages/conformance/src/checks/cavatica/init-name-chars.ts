/**
 * CV-INIT-NAME-CHARS (should): a name containing `/` or longer than 255 characters is refused with
 * 400; every other name of 1 to 255 characters (spaces, punctuation, non-ASCII letters) is accepted.
 * Source: inference from https://docs.cancergenomicscloud.org/reference/initialize-a-multipart-upload,
 * recorded as allowing any character but `/` and at most 255 characters, with no sentence at hand
 * to quote (split from CV-INIT-NAME).
 *
 * Check: names with `/` at a generated place, or 256 generated characters long, are refused with
 * 400; generated valid names (1 to 255 characters of letters, digits, punctuation, spaces and
 * non-ASCII letters, never `/`, `.` or `..`) are accepted. Characters are counted as code points;
 * only BMP characters are generated, so that UTF-16 units and code points agree.
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import { abortUpload, isSuccess, targetOf, tryInit } from "./protocol.ts";

const ASCII = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).filter((c) => c !== "/");
const char = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ASCII) },
  { weight: 1, arbitrary: fc.constantFrom("é", "ü", "ß", "ñ", "Ω", "Ж", "中", "文", "ﬁ", "€") },
);
const nameOf = (minLength: number, maxLength: number) =>
  fc.array(char, { minLength, maxLength }).map((chars) => chars.join(""));

type Variant =
  | { readonly kind: "valid"; readonly name: string }
  | { readonly kind: "invalid"; readonly what: string; readonly name: string };

const invalid: fc.Arbitrary<Variant> = fc.oneof(
  fc
    .tuple(nameOf(0, 127), nameOf(0, 127))
    .map(
      ([before, after]): Variant => ({ kind: "invalid", what: "a name with /", name: `${before}/${after}` }),
    ),
  nameOf(256, 256).map((name): Variant => ({ kind: "invalid", what: "a 256-character name", name })),
);
const valid: fc.Arbitrary<Variant> = fc
  .oneof(nameOf(1, 255), nameOf(255, 255))
  .filter((name) => name !== "." && name !== "..")
  .map((name): Variant => ({ kind: "valid", name }));

export const cvInitNameChars: Check = {
  id: "CV-INIT-NAME-CHARS",
  protocol: "cavatica",
  title: "Init names with / or over 255 characters are refused with 400; other names are accepted",
  async run(ctx) {
    const target = targetOf(ctx);
    await ctx.property(
      fc.oneof(invalid, valid),
      async (variant) => {
        const answer = await tryInit(ctx, { ...target, name: variant.name });
        if (variant.kind === "invalid") {
          if (answer.status !== 400) ctx.fail(`init with ${variant.what} answered ${answer.status}, not 400`);
          return;
        }
        if (!isSuccess(answer.status))
          ctx.fail(
            `init with the valid ${[...variant.name].length}-character name ${JSON.stringify(variant.name)} answered ${answer.status}`,
          );
        const id = answer.json<{ upload_id?: string }>()?.upload_id;
        if (id !== undefined) await abortUpload(ctx, id);
      },
      { numRuns: 30 },
    );
  },
};
