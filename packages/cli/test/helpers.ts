import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { once } from "node:events";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { run } from "../src/cli.ts";

/** The `partwise` command as users run it, from source: node + tsx with the source condition. */
export const BIN = fileURLToPath(new URL("../src/bin.ts", import.meta.url));

export function partwise(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ["--conditions=partwise-source", "--import", "tsx", BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
}

/** Runs the command to its end and returns its exit code and output. */
export async function runPartwise(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = partwise(args, env);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  child.stdin.end();
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}

/** Resolves with the first stdout line of a running command. */
export async function firstLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  let buffer = "";
  for await (const chunk of child.stdout) {
    buffer += chunk;
    const end = buffer.indexOf("\n");
    if (end !== -1) return buffer.slice(0, end);
  }
  throw new Error(`no output; exit ${child.exitCode}`);
}

/**
 * Runs the command in this process through `run`, the function the bin wires to process I/O
 * (bin.ts), and returns what it printed and its exit code. For usage errors and other answers
 * that need no process of their own: a spawned `partwise` costs seconds of start-up each.
 */
export async function runInProcess(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  const code = await run(args, {
    stdout: sink((text) => (stdout += text)),
    stderr: sink((text) => (stderr += text)),
    env: { ...process.env, ...env },
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}
