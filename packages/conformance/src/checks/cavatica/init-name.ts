/**
 * CV-INIT-NAME (must): the file `name` is required and is a string; an init without one is refused
 * with 400.
 * Source: https://sb-biodatacatalyst.readme.io/docs/initialize-a-multipart-upload, "name Required |
 * String | The name of the file you are about to upload."
 *
 * Check: init bodies (with the target) that lack a name, or whose name is `null`, a number, a
 * boolean, an array or an object, are refused with 400; a plain generated name of letters and
 * digits is accepted. Which characters and lengths a name may have is CV-INIT-NAME-CHARS (a
 * `should`: no quoted document sentence states them), so no other name is judged here.
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import { abortUpload, isSuccess, targetOf, tryInit, uniqueName } from "./protocol.ts";

type Variant =
  | { readonly kind: "valid"; readonly name: string }
  | { readonly kind: "invalid"; readonly what: string; readonly name?: unknown };

const invalid: fc.Arbitrary<Variant> = fc.oneof(
  fc.constant<Variant>({ kind: "invalid", what: "no name" }),
  fc
    .constantFrom<unknown>(null, 7, true, ["a"], { name: "a" })
    .map((name): Variant => ({ kind: "invalid", what: `the name ${JSON.stringify(name)}`, name })),
);
const valid: fc.Arbitrary<Variant> = fc
  .stringMatching(/^[A-Za-z0-9]{1,40}$/)
  .map((suffix): Variant => ({ kind: "valid", name: `${uniqueName("name")}-${suffix}` }));

export const cvInitName: Check = {
  id: "CV-INIT-NAME",
  protocol: "cavatica",
  title: "Init without a name, or with a name that is not a string, is refused with 400",
  async run(ctx) {
    const target = targetOf(ctx);
    await ctx.property(
      fc.oneof({ weight: 3, arbitrary: invalid }, { weight: 1, arbitrary: valid }),
      async (variant) => {
        const body = "name" in variant ? { ...target, name: variant.name } : { ...target };
        const answer = await tryInit(ctx, body);
        if (variant.kind === "invalid") {
          if (answer.status !== 400) ctx.fail(`init with ${variant.what} answered ${answer.status}, not 400`);
          return;
        }
        if (!isSuccess(answer.status))
          ctx.fail(`init with the plain name ${JSON.stringify(variant.name)} answered ${answer.status}`);
        const id = answer.json<{ upload_id?: string }>()?.upload_id;
        if (id !== undefined) await abortUpload(ctx, id);
      },
      { numRuns: 15 },
    );
  },
};
