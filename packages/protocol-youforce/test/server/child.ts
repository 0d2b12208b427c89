/** Spawning a reference server in a child process (crash and memory tests). */
import { type ChildProcess, spawn } from "node:child_process";

const packageDir = new URL("../../", import.meta.url).pathname;
const fixture = new URL("./fixtures/crash-server.ts", import.meta.url).pathname;

export async function spawnServer(
  dataDir: string,
  options?: object,
): Promise<{ child: ChildProcess; base: string }> {
  const args = ["--conditions=partwise-source", "--import", "tsx", fixture, dataDir];
  if (options !== undefined) args.push(JSON.stringify(options));
  const child = spawn(process.execPath, args, { cwd: packageDir, stdio: ["ignore", "pipe", "inherit"] });
  const base = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf("\n");
      if (newline >= 0) resolve(out.slice(0, newline).trim());
    });
    child.once("exit", (code, signal) => reject(new Error(`server exited early (${code ?? signal})`)));
  });
  return { child, base };
}

export function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}
