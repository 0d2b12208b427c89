/**
 * The packed tarballs as a consumer gets them: each package is packed exactly as `npm publish` would,
 * unpacked into a scratch Node-only project (`lib: ["ES2022"]`, `types: ["node"]`, no DOM lib,
 * `skipLibCheck: false`), and an import of every export of every package must typecheck. Every
 * tarball carries the LICENSE.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));

interface Manifest {
  name: string;
  private?: boolean;
  exports?: Record<string, unknown>;
  dependencies?: Record<string, string>;
  files?: string[];
}
const packages = readdirSync(join(root, "packages"))
  .map((dir) => ({
    dir: join(root, "packages", dir),
    manifest: JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8")) as Manifest,
  }))
  .filter((p) => !p.manifest.private);

let work: string;
const packed: Record<string, { files: string[] }> = {};

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "partwise-consumer-"));
  const modules = join(work, "node_modules");
  mkdirSync(join(modules, "@partwise"), { recursive: true });
  const thirdParty = new Set<string>(["@types/node"]);
  for (const { dir, manifest } of packages) {
    const [info] = JSON.parse(
      execFileSync("npm", ["pack", "--json", "--pack-destination", work], {
        cwd: dir,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      }),
    ) as { filename: string; files: { path: string }[] }[];
    if (info === undefined) throw new Error(`npm pack ${manifest.name} said nothing`);
    packed[manifest.name] = { files: info.files.map((f) => f.path) };
    const target = join(modules, manifest.name);
    mkdirSync(target, { recursive: true });
    execFileSync("tar", ["-xzf", join(work, info.filename), "-C", target, "--strip-components=1"]);
    for (const dep of Object.keys(manifest.dependencies ?? {}))
      if (!dep.startsWith("@partwise/")) thirdParty.add(dep);
  }
  // Third-party dependencies as installed for the repository (their own dependencies resolve there).
  for (const dep of thirdParty) {
    const link = join(modules, dep);
    mkdirSync(join(link, ".."), { recursive: true });
    if (!existsSync(link)) symlinkSync(join(root, "node_modules", dep), link, "dir");
  }
  writeFileSync(
    join(work, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
}, 300_000);
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the packed tarballs", () => {
  test("every publishable package is packed", () => {
    expect(Object.keys(packed).sort()).toEqual(packages.map((p) => p.manifest.name).sort());
    expect(Object.keys(packed).length).toBeGreaterThanOrEqual(8);
  });

  test.each(packages.map((p) => p.manifest.name))(
    "%s carries LICENSE, the Apache-2.0 text of the repository",
    (name) => {
      expect(packed[name]?.files).toContain("LICENSE");
      expect(readFileSync(join(work, "node_modules", name, "LICENSE"), "utf8")).toBe(
        readFileSync(join(root, "LICENSE"), "utf8"),
      );
    },
  );

  test("an import of every export typechecks in a Node-only project without the DOM lib", () => {
    const specifiers = packages.flatMap(({ manifest }) =>
      Object.keys(manifest.exports ?? { ".": {} })
        .filter((key) => key !== "./package.json")
        .map((key) => (key === "." ? manifest.name : `${manifest.name}/${key.slice(2)}`)),
    );
    const lines = specifiers.map((s, i) => `import * as m${i} from "${s}";`);
    writeFileSync(
      join(work, "index.ts"),
      `${lines.join("\n")}\nexport const all = [${specifiers.map((_, i) => `m${i}`).join(", ")}];\n`,
    );
    writeFileSync(
      join(work, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          lib: ["ES2022"],
          types: ["node"],
          module: "NodeNext",
          moduleResolution: "NodeNext",
          strict: true,
          skipLibCheck: false,
          noEmit: true,
        },
        files: ["index.ts"],
      }),
    );
    const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", work], {
      cwd: work,
      encoding: "utf8",
    });
    expect(tsc.stdout + tsc.stderr, "tsc in a consumer without the DOM lib").toBe("");
    expect(tsc.status).toBe(0);
    expect(specifiers.length).toBeGreaterThanOrEqual(11);
  });
});
