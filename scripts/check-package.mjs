#!/usr/bin/env node
// Packs the package in the current directory exactly as `npm publish` would, then checks the
// tarball with publint (--strict) and @arethetypeswrong/cli (ESM-only profile). Run from a
// package folder by its `check:package` script; exits non-zero on any finding.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const out = mkdtempSync(join(tmpdir(), "partwise-pack-"));
const run = (cmd, args) =>
  execFileSync(cmd, args, { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
try {
  const [packed] = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", out]));
  const tarball = join(out, packed.filename);
  process.stdout.write(
    `${packed.name}@${packed.version}: ${packed.entryCount} files, ${packed.size} bytes\n`,
  );
  execFileSync("npx", ["--no-install", "publint", "--strict", tarball], { stdio: "inherit" });
  execFileSync(
    "npx",
    ["--no-install", "attw", "--profile", "esm-only", "--format", "table-flipped", tarball],
    {
      stdio: "inherit",
    },
  );
} finally {
  rmSync(out, { recursive: true, force: true });
}
