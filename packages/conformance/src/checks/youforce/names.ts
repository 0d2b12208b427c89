/**
 * File names [S4]: only `` a-z A-Z 0-9 - _ . ( ) , $ + ` = ' `` (YF-NAME-CHARSET), and no
 * "malicious" extension. The vendor's list is unpublished: the Windows program extensions are
 * refused by every reading (YF-NAME-EXTENSION), scripts and installers by Partwise's
 * (YF-NAME-EXTENSION-SCRIPTS). Names are tested the way file-name bugs hide: several extensions
 * (`report.pdf.exe`) and mixed case (`A.EXE`, `a.Exe`). Names of dots only and Windows device
 * names are refused too (YF-NAME-RESERVED), which the character set alone admits.
 */
import fc from "fast-check";
import type { Check } from "../../check.ts";
import type { CheckContext } from "../../context.ts";
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

/** YF-NAME-EXTENSION: the programs Windows runs directly, malicious under any reading of [S4]. */
export const PROGRAM_EXTENSIONS = ["exe", "bat", "cmd", "com", "scr"] as const;

/** YF-NAME-EXTENSION-SCRIPTS: scripts and installers, Partwise's reading of "malicious". */
export const SCRIPT_EXTENSIONS = ["js", "vbs", "ps1", "msi", "jar"] as const;

/**
 * A name whose last extension is `extension` (in random letter case), after a stem and zero to two
 * harmless extensions (`report.pdf.exe`), as file-name bugs hide there. (A name that is only an
 * extension, `.exe`, is left out: whether it has one is a reading, `path.extname` says no.)
 */
function nameEnding(extensions: readonly string[]): fc.Arbitrary<string> {
  return fc
    .record({
      extension: fc.constantFrom(...extensions).chain(randomCase),
      before: fc.array(fc.constantFrom("pdf", "txt", "tar", "csv", "Doc"), { maxLength: 2 }),
    })
    .map(({ extension, before }) =>
      uniqueName("extension", `${before.map((e) => `.${e}`).join("")}.${extension}`),
    );
}

/** Refuses every name `names` generates, and one of each fixed shape (`x.EXE`, `x.pdf.exe`, `x.Exe`). */
async function expectNamesRefused(
  ctx: CheckContext,
  extensions: readonly string[],
  names: fc.Arbitrary<string>,
): Promise<void> {
  const fixed = extensions.flatMap((e) => [
    uniqueName("extension", `.${e.toUpperCase()}`),
    uniqueName("extension", `.pdf.${e}`),
    uniqueName("extension", `.${e[0]?.toUpperCase()}${e.slice(1)}`),
  ]);
  for (const name of fixed)
    expectRefused(ctx, await upload(ctx, { name, media: "MZ" }), [400], `the file name ${name}`);
  await ctx.property(
    names,
    async (name) => {
      expectRefused(ctx, await upload(ctx, { name, media: "MZ" }), [400], `the file name ${name}`);
    },
    { numRuns: 10 },
  );
}

const yfNameExtension: Check = youforceCheck(
  "YF-NAME-EXTENSION",
  "names ending in .exe .bat .cmd .com .scr, in any case and after other extensions, are refused; .txt and .csv are accepted",
  async (ctx) => {
    businessTypeOf(ctx);
    await expectNamesRefused(ctx, PROGRAM_EXTENSIONS, nameEnding(PROGRAM_EXTENSIONS));
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

const yfNameExtensionScripts: Check = youforceCheck(
  "YF-NAME-EXTENSION-SCRIPTS",
  "names ending in .js .vbs .ps1 .msi .jar, in any letter case, are refused with 400",
  async (ctx) => {
    businessTypeOf(ctx);
    await expectNamesRefused(ctx, SCRIPT_EXTENSIONS, nameEnding(SCRIPT_EXTENSIONS));
  },
);

/** YF-NAME-RESERVED: names of dots only and the device names Windows reserves. */
const RESERVED_STEMS = ["CON", "PRN", "AUX", "NUL", "COM1", "COM9", "LPT1", "LPT9"] as const;

const yfNameReserved: Check = youforceCheck(
  "YF-NAME-RESERVED",
  "`.`, `..` and the Windows device names (CON, NUL, COM1, … in any case, with or without extensions) are refused with 400",
  async (ctx) => {
    businessTypeOf(ctx);
    for (const name of [".", "..", "con", "Nul.txt"])
      expectRefused(ctx, await upload(ctx, { name, media: "reserved" }), [400], `the file name ${name}`);
    await ctx.property(
      fc
        .record({
          stem: fc.constantFrom(...RESERVED_STEMS).chain(randomCase),
          extensions: fc.array(fc.constantFrom("txt", "csv", "tar", "gz"), { maxLength: 2 }),
        })
        .map(({ stem, extensions }) => [stem, ...extensions].join(".")),
      async (name) => {
        expectRefused(ctx, await upload(ctx, { name, media: "reserved" }), [400], `the file name ${name}`);
      },
      { numRuns: 8 },
    );
  },
);

export const nameChecks: readonly Check[] = [
  yfNameCharset,
  yfNameExtension,
  yfNameExtensionScripts,
  yfNameReserved,
];
