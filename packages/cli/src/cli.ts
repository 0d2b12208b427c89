/**
 * The `partwise` command: a table of subcommands, each a function from argv to an exit code.
 * Flags are parsed with `node:util`'s `parseArgs` (strict: unknown flags are usage errors); the
 * usage text lives in help.ts.
 */
import { readFileSync } from "node:fs";
import { conformance } from "./commands/conformance.ts";
import { serve } from "./commands/serve.ts";
import { upload } from "./commands/upload.ts";
import { type CommandName, commandHelp, mainHelp } from "./help.ts";
import { EXIT_USAGE, type Io, UsageError } from "./usage.ts";

const COMMANDS: Record<CommandName, (argv: string[], io: Io) => Promise<number>> = {
  serve,
  upload,
  conformance,
};

export const HELP = mainHelp();

/** The package's version, read from its package.json (one level above both src/ and dist/). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/** True when the flags ask for help: `--help` or `-h` before any `--`. */
function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === "--help" || a === "-h");
}

export async function run(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const topic = name === "help" ? rest[0] : undefined;
    if (topic !== undefined && Object.hasOwn(COMMANDS, topic)) {
      io.stdout.write(commandHelp(topic as CommandName));
      return 0;
    }
    io.stdout.write(HELP);
    return name === undefined ? EXIT_USAGE : 0;
  }
  if (name === "--version" || name === "-v" || name === "version") {
    io.stdout.write(`${version()}\n`);
    return 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name as CommandName] : undefined;
  try {
    if (!command)
      throw new UsageError(`unknown command "${name}" (try: ${Object.keys(COMMANDS).join(", ")}, or --help)`);
    if (asksForHelp(rest)) {
      io.stdout.write(commandHelp(name as CommandName));
      return 0;
    }
    return await command(rest, io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      io.stderr.write(`partwise: ${(error as Error).message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
}
