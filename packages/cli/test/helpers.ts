import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

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
