#!/usr/bin/env node
// The `partwise` executable npm links at install time. It loads the built command from dist/, which
// does not exist yet in a fresh clone before `npm run build`: then it says so instead of failing
// with a module-resolution stack trace.
import { existsSync } from "node:fs";

const built = new URL("../dist/bin.js", import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  process.stderr.write(
    "partwise: the command is not built yet (dist/bin.js is missing); run `npm run build` in the repository root first\n",
  );
  process.exitCode = 2;
}
