#!/usr/bin/env node
// `npm run bench` (turbo, one package at a time): runs every bench/*.bench.ts (or those whose name contains an argument) one
// after the other, each in its own Node process so one benchmark's heap and RSS never colour the
// next. Each prints its figures as ratios against a baseline measured in the same run, and exits
// non-zero when it misses its target. Sizes can be reduced for a quick look, e.g.
// BENCH_SIZE_MB=128 npm run bench -- md5
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();
const failed = [];
for (const file of files) {
  console.log(`\n▶ ${file}`);
  const result = spawnSync(
    process.execPath,
    ["--conditions=partwise-source", "--import", "tsx", join(here, file)],
    { stdio: "inherit", env: process.env },
  );
  if (result.status !== 0) failed.push(file);
}
console.log(`\n${files.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length === 0 ? 0 : 1);
