/**
 * `partwise upload PATH... [--recursive]`: several files, or the files below directories, in one
 * call, through @partwise/client's `uploadBatch`: one limit on requests in flight shared by all
 * files (`--concurrency`), one overall bar plus a line per finished file, with `--json` one JSON
 * object per file (one a line), and with `--state FILE` one resume state for the batch (a rerun
 * skips finished files and resumes unfinished ones). Where each file goes is upload-files.ts.
 * Exit 0 when every file is stored, 1 when any failed (a summary names them), 130 on Ctrl-C.
 */
import {
  type BatchOutcome,
  type BatchState,
  BatchStateError,
  type BatchStore,
  uploadBatch,
} from "@partwise/client";
import { fileJournal, fileSource, redact } from "@partwise/node";
import { createBatchProgress, doneLine } from "../progress.ts";
import { collectFiles, type PlacedFile, placeFiles } from "../upload-files.ts";
import { flagWarnings, whereToFind } from "../upload-flags.ts";
import { EXIT_FAILED, EXIT_OK, type Io, type Protocol, UsageError } from "../usage.ts";
import {
  checkTarget,
  EXIT_INTERRUPTED,
  type Flags,
  resumeCommand,
  stringFlag,
  UPLOADERS,
  type Uploaded,
} from "./upload.ts";

export interface ManyOptions {
  readonly argv: readonly string[];
  readonly io: Io;
  readonly protocol: Protocol;
  readonly flags: Flags;
  readonly paths: readonly string[];
  readonly baseUrl: string;
  readonly token: string;
  readonly partSize: number | undefined;
  readonly concurrency: number | undefined;
  readonly retries: number | undefined;
  readonly retryForMs: number | undefined;
}

/** The batch state in a file, written like a journal (write, then rename). */
function stateFile(path: string): BatchStore {
  const file = fileJournal(path);
  return {
    load: () => file.load(),
    save: (state: BatchState) => file.save(state as unknown as Parameters<typeof file.save>[0]),
    remove: () => file.remove(),
  };
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export async function uploadMany(o: ManyOptions): Promise<number> {
  const { io, protocol, flags, token } = o;
  if (flags.name !== undefined)
    throw new UsageError("--name names one file: leave it out when uploading several");
  checkTarget(protocol, flags, "batch");
  const { files: found, warnings } = await collectFiles(o.paths, flags.recursive === true);
  const files = placeFiles(protocol, found, {
    directory: stringFlag(flags, "directory"),
    flatten: flags.flatten === true,
  });
  if (files.length === 0) throw new UsageError(`no files to upload in ${o.paths.join(" ")}`);
  for (const warning of [...flagWarnings(protocol, flags, undefined, 0), ...warnings])
    io.stderr.write(`partwise: warning: ${warning}\n`);

  const statePath = stringFlag(flags, "state");
  const json = flags.json === true;
  const where = whereToFind(protocol, { ...flags, directory: undefined });
  const total = files.reduce((sum, f) => sum + f.size, 0);
  const progress = createBatchProgress(io.stderr, {
    quiet: flags.quiet === true,
    total,
    files: files.length,
  });
  const clean = (text: string) => redact(text, [token]);
  const report = (outcome: BatchOutcome<PlacedFile, Uploaded>) => {
    const { file } = outcome;
    if (outcome.status === "uploaded")
      progress.line(doneLine({ ...outcome.result, name: file.remote, where }));
    else if (outcome.status === "skipped")
      progress.line(`partwise: skipped ${file.remote}: uploaded earlier as ${outcome.result.id}\n`);
    else if (outcome.status === "failed")
      progress.line(`partwise: failed ${file.path}: ${clean(messageOf(outcome.error))}\n`);
    if (json) io.stdout.write(`${JSON.stringify(jsonOf(outcome, clean))}\n`);
  };

  let result: Awaited<ReturnType<typeof uploadBatch<PlacedFile, Uploaded>>>;
  try {
    result = await uploadBatch<PlacedFile, Uploaded>({
      files,
      concurrency: o.concurrency,
      state: statePath === undefined ? undefined : stateFile(statePath),
      stateName: statePath,
      target: {
        protocol,
        baseUrl: o.baseUrl,
        ...Object.fromEntries(
          ["app-result", "directory", "project", "parent", "business-type-id"].map((k) => [
            k,
            stringFlag(flags, k),
          ]),
        ),
      },
      signal: io.signal,
      onProgress: (p) => progress.update(p),
      onFile: report,
      upload: (file, ctx) => uploadOne(o, file, ctx, json, statePath),
    });
  } catch (error) {
    progress.stop();
    if (error instanceof BatchStateError) throw new UsageError(error.message);
    throw error;
  }
  progress.stop();
  return summarise(o, result.outcomes, result.interrupted, statePath);
}

async function uploadOne(
  o: ManyOptions,
  file: PlacedFile,
  ctx: Parameters<Parameters<typeof uploadBatch<PlacedFile, Uploaded>>[0]["upload"]>[1],
  json: boolean,
  statePath: string | undefined,
): Promise<Uploaded> {
  let source: Awaited<ReturnType<typeof fileSource>>;
  try {
    source = await fileSource(file.path);
  } catch (error) {
    throw new Error(`cannot read ${file.path}: ${(error as NodeJS.ErrnoException).code ?? messageOf(error)}`);
  }
  try {
    const uploaded = await UPLOADERS[o.protocol](
      source,
      {
        baseUrl: o.baseUrl,
        token: o.token,
        name: file.name,
        partSize: o.partSize,
        concurrency: o.concurrency,
        journal: ctx.journal,
        signal: ctx.signal,
        onProgress: (p) => ctx.onProgress({ bytesAccepted: p.bytesAccepted ?? p.bytesDone ?? 0 }),
        wholeFileMd5: json,
        retries: o.retries,
        retryForMs: o.retryForMs,
        statePath: statePath === undefined ? undefined : `${statePath} (for ${file.path})`,
        slots: ctx.slots,
      },
      { ...o.flags, directory: file.directory },
    );
    const { id, name, size, md5, parts } = uploaded;
    return { id, name, size, md5, parts };
  } finally {
    await source.close();
  }
}

function jsonOf(
  outcome: BatchOutcome<PlacedFile, Uploaded>,
  clean: (text: string) => string,
): Record<string, unknown> {
  const { file } = outcome;
  const base = {
    path: file.path,
    status: outcome.status,
    ...(file.directory === undefined ? {} : { directory: file.directory }),
  };
  if (outcome.status === "uploaded" || outcome.status === "skipped") {
    const { id, name, size, md5, parts } = outcome.result;
    return { ...base, id, name, size, md5, parts };
  }
  if (outcome.status === "not-started") return { ...base, name: file.name };
  return { ...base, name: file.name, error: clean(messageOf(outcome.error)) };
}

function summarise(
  o: ManyOptions,
  outcomes: readonly BatchOutcome<PlacedFile, Uploaded>[],
  interrupted: boolean,
  statePath: string | undefined,
): number {
  const { io, token } = o;
  const count = (status: BatchOutcome<PlacedFile, Uploaded>["status"]) =>
    outcomes.filter((x) => x.status === status).length;
  const failed = outcomes.filter((x) => x.status === "failed");
  const uploaded = count("uploaded");
  const skipped = count("skipped");
  const failedLines = failed.map(
    (x) => `  ${x.file.path}: ${redact(messageOf((x as { error: unknown }).error), [token])}\n`,
  );
  if (interrupted) {
    const left = outcomes.length - uploaded - skipped - failed.length;
    io.stderr.write(
      statePath !== undefined
        ? `partwise: batch paused (${uploaded + skipped} of ${outcomes.length} files stored, ${left} left); --state ${statePath} keeps it, resume with:\n  ${redact(resumeCommand(o.argv), [token])}\n`
        : `partwise: batch interrupted (${uploaded + skipped} of ${outcomes.length} files stored); uploads in flight were aborted (use --state FILE to be able to resume)\n`,
    );
    return EXIT_INTERRUPTED;
  }
  const stored = `${uploaded} uploaded${skipped > 0 ? `, ${skipped} skipped as uploaded earlier` : ""}`;
  if (failed.length > 0) {
    io.stderr.write(
      `partwise: ${failed.length} of ${outcomes.length} files failed (${stored}):\n${failedLines.join("")}${
        statePath !== undefined
          ? `rerun the same command to retry them; --state ${statePath} skips the stored ones\n`
          : ""
      }`,
    );
    return EXIT_FAILED;
  }
  io.stderr.write(`partwise: ${outcomes.length} files stored (${stored})\n`);
  return EXIT_OK;
}
