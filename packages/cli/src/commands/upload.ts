/**
 * `partwise upload FILE|- --protocol P --base-url URL [--token T | env PARTWISE_TOKEN]
 *    [basespace: --app-result ID [--directory D] [--content-type T]]
 *    [cavatica:  --project OWNER/PROJECT | --parent FOLDER_ID]
 *    [youforce:  --business-type-id N]
 *    [--name NAME] [--part-size BYTES] [--concurrency N] [--state FILE]
 *    [--retry-for DURATION] [--retries N] [--json] [--quiet]`
 * `partwise upload PATH... [--recursive] …`: several files or directories as one batch
 * (upload-many.ts).
 *
 * Progress on stderr (a bar on a terminal, plain lines otherwise); with --json one JSON object on
 * stdout: id, name, size, md5, parts (the whole file's MD5 is computed only then: without --json
 * each byte is hashed once, for its part's checksum). `--state FILE` keeps a resume journal: rerun the same command
 * after a crash, a failure or Ctrl-C and only the parts not yet accepted are sent. Every request is
 * retried on network errors, 5xx, 408 and 429 for up to `--retry-for` (default 2m) and `--retries`
 * times (default 30). Exit 0 on success, 1 when the upload failed, 2 on bad usage, 130 when
 * interrupted (with --state the upload is paused and the command that resumes it is printed),
 * each with a one-line reason.
 */
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { Readable } from "node:stream";
import { parseArgs } from "node:util";
import type { JournalStore, RequestSlots, UploadSource } from "@partwise/client";
import { isPartwiseError } from "@partwise/engine";
import { fileJournal, fileSource, redact } from "@partwise/node";
import { createProgress } from "../progress.ts";
import { requireBaseUrl, requireToken } from "../settings.ts";
import { flagWarnings, oneRequestMax, whereToFind } from "../upload-flags.ts";
import {
  EXIT_FAILED,
  EXIT_OK,
  EXIT_USAGE,
  type Io,
  type Protocol,
  parseBytes,
  parseDuration,
  parseProtocol,
  UsageError,
} from "../usage.ts";

/** What every protocol's uploader returns that the command prints. */
export interface Uploaded {
  readonly id: string;
  readonly name: string;
  readonly size: number;
  /** Present when `wholeFileMd5` was asked for. */
  readonly md5?: string | undefined;
  readonly parts: number;
}

/** The progress fields every protocol's uploader reports. */
export interface ProgressEvent {
  readonly bytesSent: number;
  readonly bytesAccepted?: number | undefined;
  readonly bytesDone?: number | undefined;
  readonly bytesTotal?: number | undefined;
  readonly partsDone: number;
  readonly partsTotal?: number | undefined;
}

export interface Common {
  readonly baseUrl: string;
  readonly token: string;
  readonly name: string | undefined;
  readonly partSize: number | undefined;
  readonly concurrency: number | undefined;
  readonly journal: JournalStore | undefined;
  readonly signal: AbortSignal;
  readonly onProgress: (progress: ProgressEvent) => void;
  /** Compute the whole file's MD5: only for `--json`, which prints it. */
  readonly wholeFileMd5: boolean;
  /** `--retries`, `--retry-for`. */
  readonly retries: number | undefined;
  readonly retryForMs: number | undefined;
  readonly statePath: string | undefined;
  /** Requests in flight shared with the other files of a batch. */
  readonly slots?: RequestSlots | undefined;
}

/** Exit code of an interrupted upload (128 + SIGINT), paused or aborted. */
export const EXIT_INTERRUPTED = 130;

/** `--retry-for`: a duration (`90s`, `5m`), in ms. */
const duration = (flag: string, value: string | undefined): number | undefined =>
  value === undefined ? undefined : parseDuration(flag, value);

const count = (flag: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new UsageError(`--${flag} must be an integer >= 0, not "${value}"`);
  return Number(value);
};

/** The command line that resumes a paused upload: the same one, the token left to the environment. */
export function resumeCommand(argv: readonly string[]): string {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--token") {
      i++;
      continue;
    }
    if (arg.startsWith("--token=")) continue;
    out.push(/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`);
  }
  return `partwise upload ${out.join(" ")}`;
}

export type Flags = Record<string, string | boolean | undefined>;

export const positiveInteger = (flag: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value)))
    throw new UsageError(`--${flag} must be a positive integer, not "${value}"`);
  return Number(value);
};

export const stringFlag = (flags: Flags, name: string): string | undefined => {
  const value = flags[name];
  return typeof value === "string" ? value : undefined;
};

/** The target flags each protocol needs, checked before anything is read or sent. */
export function checkTarget(protocol: Protocol, flags: Flags, name: string | undefined): void {
  if (protocol === "basespace" && !stringFlag(flags, "app-result"))
    throw new UsageError("basespace needs --app-result ID");
  if (protocol === "cavatica") {
    if ((stringFlag(flags, "project") === undefined) === (stringFlag(flags, "parent") === undefined))
      throw new UsageError("cavatica needs exactly one of --project OWNER/PROJECT or --parent FOLDER_ID");
    if (name === undefined) throw new UsageError("cavatica needs --name for standard input");
  }
  if (protocol === "youforce" && !/^\d+$/.test(stringFlag(flags, "business-type-id") ?? ""))
    throw new UsageError("youforce needs --business-type-id N (an integer)");
}

/** The options every protocol's `upload` takes alike, from the common flags. */
function runOptions(common: Common) {
  return {
    baseUrl: common.baseUrl,
    token: common.token,
    concurrency: common.concurrency,
    journal: common.journal,
    journalName: common.statePath,
    retry: { retries: common.retries, retryForMs: common.retryForMs },
    signal: common.signal,
    onProgress: common.onProgress,
    wholeFileMd5: common.wholeFileMd5,
    slots: common.slots,
  };
}

/** Each protocol's uploader, loaded only when used (after `checkTarget`). */
export const UPLOADERS: Record<
  Protocol,
  (source: UploadSource, common: Common, flags: Flags) => Promise<Uploaded>
> = {
  async basespace(source, common, flags) {
    const appResultId = stringFlag(flags, "app-result") as string;
    const { upload } = await import("@partwise/protocol-basespace");
    return upload(source, {
      ...runOptions(common),
      appResultId,
      directory: stringFlag(flags, "directory"),
      contentType: stringFlag(flags, "content-type"),
      name: common.name,
      partSize: common.partSize,
    });
  },
  async cavatica(source, common, flags) {
    const project = stringFlag(flags, "project");
    const parent = stringFlag(flags, "parent");
    const { upload } = await import("@partwise/protocol-cavatica");
    return upload(source, {
      ...runOptions(common),
      ...(project !== undefined ? { project } : { parent: parent as string }),
      name: common.name as string,
      partSize: common.partSize,
      overwrite: flags.overwrite === true,
    } as Parameters<typeof upload>[1]);
  },
  async youforce(source, common, flags) {
    const id = stringFlag(flags, "business-type-id") as string;
    const { upload } = await import("@partwise/protocol-youforce");
    return upload(source, {
      ...runOptions(common),
      businessTypeId: Number(id),
      name: common.name,
      chunkSize: common.partSize,
    });
  },
};

export async function upload(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      protocol: { type: "string" },
      "base-url": { type: "string" },
      token: { type: "string" },
      "app-result": { type: "string" },
      directory: { type: "string" },
      "content-type": { type: "string" },
      project: { type: "string" },
      parent: { type: "string" },
      "business-type-id": { type: "string" },
      name: { type: "string" },
      "part-size": { type: "string" },
      concurrency: { type: "string" },
      state: { type: "string" },
      "retry-for": { type: "string" },
      retries: { type: "string" },
      json: { type: "boolean", default: false },
      quiet: { type: "boolean", default: false },
      overwrite: { type: "boolean" },
      recursive: { type: "boolean" },
      flatten: { type: "boolean" },
    },
  });
  const protocol = parseProtocol(values.protocol);
  if (positionals.length === 0)
    throw new UsageError(
      "give a FILE to upload (or several, or a directory with --recursive), or - for standard input",
    );
  const path = positionals[0] as string;
  // The flag, else the environment (settings.ts: PARTWISE_*, then the vendor's own variables).
  const baseUrl = requireBaseUrl(protocol, values["base-url"], io.env);
  const token = requireToken(protocol, values.token, io.env);
  const partSize =
    values["part-size"] === undefined ? undefined : parseBytes("part-size", values["part-size"]);
  const concurrency = positiveInteger("concurrency", values.concurrency);
  const retries = count("retries", values.retries);
  const retryForMs = duration("retry-for", values["retry-for"]);
  const many =
    positionals.length > 1 ||
    values.recursive === true ||
    (path !== "-" && (await stat(path).catch(() => undefined))?.isDirectory() === true);
  if (many) {
    const { uploadMany } = await import("./upload-many.ts");
    return uploadMany({
      argv,
      io,
      protocol,
      flags: values,
      paths: positionals,
      baseUrl: baseUrl.replace(/\/+$/, ""),
      token,
      partSize,
      concurrency,
      retries,
      retryForMs,
    });
  }
  const stdin = path === "-";
  if (stdin && values.state)
    throw new UsageError("--state cannot resume standard input; upload a file to resume");
  const name = values.name ?? (stdin ? undefined : basename(path));
  checkTarget(protocol, values, name);

  let source: UploadSource;
  let close: () => Promise<void> = async () => {};
  if (stdin) {
    source = Readable.toWeb(process.stdin) as ReadableStream<Uint8Array>;
  } else {
    try {
      const file = await fileSource(path);
      source = file;
      close = () => file.close();
    } catch (error) {
      throw new UsageError(
        `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
  }
  // Flags that change nothing here get a warning (upload-flags.ts), not silence.
  const size = stdin ? undefined : (source as { size: number }).size;
  for (const warning of flagWarnings(protocol, values, size, await oneRequestMax(protocol)))
    io.stderr.write(`partwise: warning: ${warning}\n`);
  const progress = createProgress(io.stderr, {
    quiet: values.quiet,
    total: stdin ? undefined : (source as { size: number }).size,
  });
  try {
    const result = await UPLOADERS[protocol](
      source,
      {
        baseUrl: baseUrl.replace(/\/+$/, ""),
        token,
        name,
        partSize,
        concurrency,
        journal: values.state ? fileJournal(values.state) : undefined,
        signal: io.signal,
        onProgress: (p) => progress.update(p),
        wholeFileMd5: values.json,
        retries,
        retryForMs,
        statePath: values.state,
      },
      values,
    );
    progress.done({ ...result, where: whereToFind(protocol, values) });
    if (values.json) {
      const { id, name: uploadedName, size, md5, parts } = result;
      io.stdout.write(`${JSON.stringify({ id, name: uploadedName, size, md5, parts })}\n`);
    }
    return EXIT_OK;
  } catch (error) {
    progress.stop();
    if (error instanceof UsageError) throw error;
    if (io.signal.aborted) {
      io.stderr.write(
        values.state
          ? `partwise: upload paused; --state ${values.state} keeps it, resume with:\n  ${redact(resumeCommand(argv), [token])}\n`
          : "partwise: upload interrupted and aborted (use --state FILE to be able to resume)\n",
      );
      return EXIT_INTERRUPTED;
    }
    const usage = isPartwiseError(error) && (error as { kind?: string }).kind === "usage";
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`partwise: upload ${usage ? "refused" : "failed"}: ${redact(message, [token])}\n`);
    return usage ? EXIT_USAGE : EXIT_FAILED;
  } finally {
    await close();
  }
}
