/**
 * A release can always be cut: `changeset status` and `changeset version` succeed on the repository's
 * changesets. Both run in a scratch copy (the package manifests and .changeset/, in a git repository
 * of their own where every changeset is new since `main`), so the check does not depend on how this
 * clone was made and never touches the working tree. A malformed changeset fails both.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const changesetBin = join(root, "node_modules/@changesets/cli/bin.js");
const scratches: string[] = [];
afterAll(() => {
  for (const dir of scratches) rmSync(dir, { recursive: true, force: true });
});

const workspaces = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { workspaces: string[] })
  .workspaces;
const manifests = workspaces.flatMap((pattern) =>
  pattern.endsWith("/*")
    ? readdirSync(join(root, pattern.slice(0, -2)))
        .map((name) => `${pattern.slice(0, -2)}/${name}/package.json`)
        .filter((path) => existsSync(join(root, path)))
    : [`${pattern}/package.json`],
);

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=checks", "-c", "user.email=checks@localhost", ...args], {
    cwd,
    stdio: "pipe",
  });

/** A scratch repository: the manifests on `main`, then every changeset (plus `extra`) on a branch. */
function scratch(extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "partwise-changesets-"));
  scratches.push(dir);
  for (const path of ["package.json", ...manifests]) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    cpSync(join(root, path), join(dir, path));
  }
  mkdirSync(join(dir, ".changeset"));
  cpSync(join(root, ".changeset/config.json"), join(dir, ".changeset/config.json"));
  git(dir, "init", "-q", "-b", "main");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "manifests");
  git(dir, "checkout", "-q", "-b", "release");
  cpSync(join(root, ".changeset"), join(dir, ".changeset"), { recursive: true });
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(dir, ".changeset", name), text);
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "changesets");
  return dir;
}

const changeset = (cwd: string, ...args: string[]) =>
  spawnSync(process.execPath, [changesetBin, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, CI: "1" },
  });

const pending = () =>
  readdirSync(join(root, ".changeset")).filter((f) => f.endsWith(".md") && f !== "README.md");

describe("a release can be cut", () => {
  test("changeset status reads every changeset", () => {
    const dir = scratch();
    const status = changeset(dir, "status");
    expect(status.status, status.stdout + status.stderr).toBe(0);
  });

  test("changeset version consumes every changeset and bumps the packages they name", () => {
    expect(pending().length).toBeGreaterThan(0);
    const dir = scratch();
    const version = changeset(dir, "version");
    expect(version.status, version.stdout + version.stderr).toBe(0);
    expect(
      readdirSync(join(dir, ".changeset")).filter((f) => f.endsWith(".md") && f !== "README.md"),
    ).toEqual([]);
    const named = new Set(
      pending().flatMap((file) =>
        [
          ...(
            /^---\n([\s\S]*?)\n---/.exec(readFileSync(join(root, ".changeset", file), "utf8"))?.[1] ?? ""
          ).matchAll(/"([^"]+)":/g),
        ].map((m) => m[1]),
      ),
    );
    for (const path of manifests) {
      const before = JSON.parse(readFileSync(join(root, path), "utf8")) as { name: string; version: string };
      const after = JSON.parse(readFileSync(join(dir, path), "utf8")) as { version: string };
      if (named.has(before.name)) expect(after.version, before.name).not.toBe(before.version);
    }
  });

  test("a changeset whose frontmatter is not closed fails status and version", () => {
    const malformed = '---\n\n## "@partwise/engine": minor\n\nThe pure core.\n';
    const dir = scratch({ "malformed.md": malformed });
    const status = changeset(dir, "status");
    expect(status.status).not.toBe(0);
    expect(status.stdout + status.stderr).toMatch(/could not parse changeset/);
    expect(changeset(dir, "version").status).not.toBe(0);
  });
});
