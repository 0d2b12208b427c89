/**
 * File names [S4]: only `` a-z A-Z 0-9 - _ . ( ) , $ + ` = ' `` (YF-NAME-CHARSET), and no
 * "malicious" extension (YF-NAME-EXTENSION; the vendor's list is unpublished, rules.yaml names the
 * executables and scripts every server must refuse).
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import { businessTypeOf, expectRefused, expectStored, uniqueName, upload, youforceCheck } from "./api.ts";
import { NAME_CHARS, nameStem, randomCase } from "./arbitraries.ts";

/** Characters outside YF-NAME-CHARSET that file names commonly carry. */
const COMMON_BAD_CHARS = [...' !"#%&*/:;<>?@[\\]^{|}~\t', "é", "ß", "€", "中", "😀", "\u0000", "\u007f"];

const badChar: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...COMMON_BAD_CHARS),
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }).filter((c) => !NAME_CHARS.includes(c)),
);

const yfNameCharset: Check = youforceCheck(
  "YF-NAME-CHARSET",
  "names with a character outside a-z A-Z 0-9 - _ . ( ) , $ + ` = ' are refused; names of the set are accepted",
  async (ctx) => {
    businessTypeOf(ctx);
    await ctx.property(
      fc.record({ stem: nameStem, bad: badChar, at: fc.nat() }),
      async ({ stem, bad, at }) => {
        const i = at % (stem.length + 1);
        const name = uniqueName(stem.slice(0, i) + bad + stem.slice(i));
        expectRefused(
          ctx,
          await upload(ctx, { name, media: "bad name" }),
          [400],
          `the file name ${JSON.stringify(name)} (with ${JSON.stringify(bad)})`,
        );
      },
      { numRuns: 20 },
    );
    await ctx.property(
      nameStem,
      async (stem) => {
        const name = uniqueName(stem);
        await expectStored(
          ctx,
          await upload(ctx, { name, media: stem }),
          { name, content: stem },
          `the file name ${JSON.stringify(name)}`,
        );
      },
      { numRuns: 3 },
    );
  },
);

/** Executables and scripts rules.yaml names; every server refuses them in any letter case. */
export const DENIED_EXTENSIONS = [
  "exe",
  "bat",
  "cmd",
  "com",
  "scr",
  "js",
  "vbs",
  "ps1",
  "msi",
  "jar",
] as const;

const yfNameExtension: Check = youforceCheck(
  "YF-NAME-EXTENSION",
  "each denied extension, in any letter case, is refused with 400; .txt and .csv are accepted",
  async (ctx) => {
    businessTypeOf(ctx);
    await ctx.property(
      fc.constantFrom(...DENIED_EXTENSIONS).chain(randomCase),
      async (extension) => {
        const name = uniqueName("extension", `.${extension}`);
        expectRefused(ctx, await upload(ctx, { name, media: "MZ" }), [400], `the file name ${name}`);
      },
      { numRuns: 20 },
    );
    for (const extension of [".txt", ".csv"]) {
      const name = uniqueName("extension", extension);
      await expectStored(
        ctx,
        await upload(ctx, { name, media: "a,b\r\n1,2" }),
        { name, content: "a,b\r\n1,2" },
        `the file name ${name}`,
      );
    }
  },
);

export const nameChecks: readonly Check[] = [yfNameCharset, yfNameExtension];
