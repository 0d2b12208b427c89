import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { type CommandName, commandHelp, mainHelp, SYNOPSIS } from "../src/help.ts";
import { runInProcess, runPartwise } from "./helpers.ts";

const COMMANDS = Object.keys(SYNOPSIS) as CommandName[];
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};

/** The first plain ``` block under "## partwise <command>" in the README. */
function readmeSynopsis(name: CommandName): string | undefined {
  const start = readme.indexOf(`\n## partwise ${name}\n`);
  if (start === -1) return undefined;
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return /\n```\n([\s\S]*?)\n```/.exec(section)?.[1];
}

describe("help and version", () => {
  test("partwise --help lists every command and exits 0", async () => {
    const { code, stdout } = await runPartwise(["--help"]);
    expect(code).toBe(0);
    expect(stdout).toBe(mainHelp());
    for (const name of COMMANDS) expect(stdout).toContain(`  ${name} `);
  });

  test("partwise --version prints the package's version", async () => {
    const { code, stdout } = await runPartwise(["--version"]);
    expect(code).toBe(0);
    expect(stdout).toBe(`${pkg.version}\n`);
  });

  test.each(COMMANDS)(
    "partwise %s --help (also -h, and partwise help <command>) prints its usage and exits 0",
    async (name) => {
      for (const args of [
        [name, "--help"],
        [name, "--protocol", "basespace", "-h"],
        ["help", name],
      ]) {
        const { code, stdout, stderr } = await runInProcess(args);
        expect(code, stderr).toBe(0);
        expect(stdout).toBe(commandHelp(name));
        expect(stdout.startsWith(`usage: ${SYNOPSIS[name]}\n`)).toBe(true);
      }
    },
  );

  test("upload and conformance --help say where settings come from and that the flag wins", () => {
    for (const name of ["upload", "conformance"] as const) {
      const help = commandHelp(name);
      expect(help).toMatch(/a flag always wins/);
      for (const variable of [
        "PARTWISE_BASE_URL",
        "PARTWISE_TOKEN",
        "SB_AUTH_TOKEN",
        "BASESPACE_ACCESS_TOKEN",
      ])
        expect(help).toContain(variable);
    }
  });

  test("an unknown flag is still a usage error (exit 2), --help after -- is not help", async () => {
    expect((await runInProcess(["upload", "--frobnicate"])).code).toBe(2);
    expect((await runInProcess(["serve", "--", "--help"])).code).toBe(2);
  });
});

describe("the README shows the usage --help prints", () => {
  test.each(COMMANDS)("## partwise %s has the synopsis of help.ts", (name) => {
    expect(readmeSynopsis(name)).toBe(SYNOPSIS[name]);
  });
});
