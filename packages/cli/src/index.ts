/** Programmatic entry to the `partwise` command, for tests and embedding. */
export { HELP, run } from "./cli.ts";
export { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type Io, PROTOCOLS, type Protocol, UsageError } from "./usage.ts";
