/**
 * The BaseSpace uploader over loopback, against md5sum and against the seed's curl recipe.
 *
 * `upload(await fileSource(path))` sends a 1 GiB file (BENCH_SIZE_MB overrides; random, in a temp
 * dir) as a multipart upload in 25,000,000-byte parts, 4 in flight, with `Content-MD5` on every
 * part, to the reference server in another process (lib/serve.ts). Then, on the same server and
 * file, the seed's recipe runs: `split` into 25 MiB pieces, and per piece `openssl md5 | base64` and
 * `curl -T` one after the other, between a curl initiate and a curl complete
 * (lib/basespace-recipe.ts; SKIP when a tool is missing).
 *
 *   node --conditions=partwise-source --import tsx bench/upload-basespace.bench.ts
 *
 * Targets: upload throughput >= 0.65 x md5sum's on the same file; the uploader >= 1.5 x as fast as
 * the recipe. Exits 1 when either is missed.
 */
import { basespaceCurlRecipe } from "./lib/basespace-recipe.ts";
import { MiB } from "./lib/ingest.ts";
import { benchUpload, describeUploadBench } from "./lib/upload.ts";

const RECIPE_TARGET = 1.5;
const sizeBytes = Math.round(Number(process.env.BENCH_SIZE_MB ?? 1024) * MiB);
const result = await benchUpload({ protocol: "basespace", sizeBytes, extra: basespaceCurlRecipe });
const { lines, pass } = describeUploadBench("basespace upload", result, 0.65);
for (const line of lines) console.log(line);

let recipePass = true;
const recipe = result.extra;
if (recipe === undefined || recipe.kind === "skip") {
  console.log(`basespace upload vs curl recipe: SKIP (${recipe?.reason ?? "not run"})`);
} else {
  const speedup = recipe.seconds / result.seconds;
  recipePass = speedup >= RECIPE_TARGET;
  console.log(
    `basespace upload vs curl recipe (split + openssl md5 + curl -T, ${recipe.parts} parts, sequential): ` +
      `recipe ${recipe.seconds.toFixed(2)} s = ${(sizeBytes / MiB / recipe.seconds).toFixed(0)} MiB/s, ` +
      `Partwise ${result.seconds.toFixed(2)} s; ${speedup.toFixed(2)}x faster (target >= ${RECIPE_TARGET}x) ` +
      `${recipePass ? "PASS" : "FAIL"}`,
  );
}
process.exitCode = pass && recipePass ? 0 : 1;
