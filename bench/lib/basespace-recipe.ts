/**
 * The seed's own BaseSpace upload recipe (PROTOCOLS.md 1.6, the shell version of the Python SDK's
 * multipart upload), timed end to end on the same server and file as the Partwise uploader:
 *
 *   split -b 25m -d FILE part-                                  # 25 MiB pieces, as the SDK cuts them
 *   curl -X POST -H "x-access-token: T" ".../appresults/1/files?name=N&multipart=true"
 *   for each part n (sequentially):
 *     md5=$(openssl md5 -binary part | base64)
 *     curl -T part -H "x-access-token: T" -H "Content-MD5: $md5" -X PUT ".../files/{id}/parts/{n}"
 *   curl -X POST -H "x-access-token: T" ".../files/{id}?uploadstatus=complete"
 *
 * Each command is its own process, run one after the other as the shell would; every answer's
 * status is checked (and the completed File's size), so a recipe that silently failed cannot look
 * fast. Returns `skip` with the reason when `split`, `curl`, `openssl` or `base64` is missing.
 */
import { spawnSync } from "node:child_process";
import { mkdir, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import type { BenchContext } from "./upload.ts";

export const RECIPE_PART_SIZE = 25 * 2 ** 20;

export type RecipeResult =
  | { readonly kind: "done"; readonly seconds: number; readonly parts: number }
  | { readonly kind: "skip"; readonly reason: string };

const TOOLS = ["split", "curl", "openssl", "base64"] as const;

function missingTools(): string[] {
  return TOOLS.filter((tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0);
}

function run(command: string, args: readonly string[]): string {
  const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 16 * 2 ** 20 });
  if (result.error) throw result.error;
  if (result.status !== 0)
    throw new Error(
      `${command} exited with ${result.status}: ${(result.stderr || result.stdout).slice(0, 300)}`,
    );
  return result.stdout;
}

/** `curl` answering `<body>\n<status>`; throws unless the status is one of `expect`. */
function curl(args: readonly string[], expect: readonly number[]): string {
  const out = run("curl", ["-sS", "-w", "\n%{http_code}", ...args]);
  const cut = out.lastIndexOf("\n");
  const status = Number(out.slice(cut + 1));
  const body = out.slice(0, cut);
  if (!expect.includes(status)) throw new Error(`curl: HTTP ${status}: ${body.slice(0, 300)}`);
  return body;
}

export async function basespaceCurlRecipe(context: BenchContext): Promise<RecipeResult> {
  const missing = missingTools();
  if (missing.length > 0) return { kind: "skip", reason: `not installed: ${missing.join(", ")}` };
  const dir = join(context.work, "recipe");
  await mkdir(dir, { recursive: true });
  const auth = `x-access-token: ${context.token}`;
  try {
    const started = performance.now();
    run("split", ["-b", String(RECIPE_PART_SIZE), "-d", "-a", "5", context.file, join(dir, "part-")]);
    const parts = (await readdir(dir)).filter((name) => name.startsWith("part-")).sort();
    const initiated = curl(
      [
        "-X",
        "POST",
        "-H",
        auth,
        "-H",
        "Content-Type: application/octet-stream",
        `${context.baseUrl}/appresults/1/files?name=recipe.bin&multipart=true`,
      ],
      [200, 201],
    );
    const fileId = (JSON.parse(initiated) as { Response?: { Id?: string } }).Response?.Id;
    if (fileId === undefined) throw new Error(`initiation answered no Id: ${initiated.slice(0, 300)}`);
    for (const [index, name] of parts.entries()) {
      const part = join(dir, name);
      const md5 = run("sh", ["-c", 'openssl md5 -binary "$1" | base64', "sh", part]).trim();
      curl(
        [
          "-T",
          part,
          "-H",
          auth,
          "-H",
          `Content-MD5: ${md5}`,
          "-X",
          "PUT",
          `${context.baseUrl}/files/${fileId}/parts/${index + 1}`,
        ],
        [200],
      );
    }
    const completed = curl(
      ["-X", "POST", "-H", auth, `${context.baseUrl}/files/${fileId}?uploadstatus=complete`],
      [200, 201],
    );
    const seconds = (performance.now() - started) / 1000;
    const file = (JSON.parse(completed) as { Response?: { Size?: number; UploadStatus?: string } }).Response;
    if (file?.UploadStatus !== "complete" || file.Size !== context.sizeBytes)
      throw new Error(`the recipe's upload completed as ${JSON.stringify(file)}`);
    return { kind: "done", seconds, parts: parts.length };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
