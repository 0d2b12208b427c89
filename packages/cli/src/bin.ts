#!/usr/bin/env node
/** The `partwise` executable: wires process I/O and signals to `run`. */
import { redact } from "@partwise/node";
import { run } from "./cli.ts";

const controller = new AbortController();
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => controller.abort(signal));

try {
  process.exitCode = await run(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal: controller.signal,
  });
} catch (error) {
  // Unexpected failures still end with one line and no token in it.
  process.stderr.write(`partwise: ${redact(error instanceof Error ? error.message : String(error))}\n`);
  process.exitCode = 1;
}
