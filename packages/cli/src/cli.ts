/**
 * The `partwise` command: a table of subcommands, each a function from argv to an exit code.
 * Flags are parsed with `node:util`'s `parseArgs` (strict: unknown flags are usage errors).
 */
import { conformance } from "./commands/conformance.ts";
import { serve } from "./commands/serve.ts";
import { upload } from "./commands/upload.ts";
import { EXIT_USAGE, type Io, UsageError } from "./usage.ts";

const COMMANDS: Record<string, { summary: string; run: (argv: string[], io: Io) => Promise<number> }> = {
  serve: { summary: "run a reference server (prints its base URL, serves until SIGINT/SIGTERM)", run: serve },
  upload: {
    summary: "upload a file (or - for stdin) with progress, retries and resume (--state)",
    run: upload,
  },
  conformance: {
    summary: "check a server (or --embedded, the reference servers) against every rule of the protocol",
    run: conformance,
  },
};

export const HELP = `usage: partwise <command> [flags]

commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`)
  .join("\n")}

exit codes: 0 success · 1 upload failed or a rule was broken · 2 bad usage or configuration
`;

export async function run(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(HELP);
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = COMMANDS[name];
  try {
    if (!command)
      throw new UsageError(`unknown command "${name}" (try: ${Object.keys(COMMANDS).join(", ")})`);
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      io.stderr.write(`partwise: ${(error as Error).message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
}
