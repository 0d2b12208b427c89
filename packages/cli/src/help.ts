/**
 * The usage text of the `partwise` command, in one place: `partwise --help`, `partwise <command>
 * --help`, and the synopsis blocks of the package README (a test checks the README against
 * `SYNOPSIS`, so the two cannot drift apart).
 */

export type CommandName = "serve" | "upload" | "conformance";

/** One line per command for `partwise --help`. */
export const SUMMARY: Record<CommandName, string> = {
  serve: "run a reference server (prints its base URL, serves until SIGINT/SIGTERM)",
  upload:
    "upload a file (or - for stdin), or many files and directories, with progress, retries and resume (--state)",
  conformance: "check a server (or --embedded, the reference servers) against every rule of the protocol",
};

/** Each command's synopsis, exactly as the README's block under "## partwise <command>" shows it. */
export const SYNOPSIS: Record<CommandName, string> = {
  serve: `partwise serve --protocol basespace|cavatica|youforce [--host 127.0.0.1] [--port 0]
               [--data-dir DIR] [--token T ...] [--fault SPEC ...] [--cors-origin ORIGIN ...]
               [--reading default|lenient|strict] [cavatica: --part-url-ttl SECONDS]
               [youforce: --rate-limit N/s|N/min] [--fsync] [--quiet]
               [--storage disk|s3 --s3-endpoint URL --s3-bucket NAME [--s3-prefix P]]`,
  upload: `partwise upload FILE|- --protocol basespace|cavatica|youforce [--base-url URL] [--token T]
               [basespace: --app-result ID [--directory D] [--content-type T]]
               [cavatica:  --project OWNER/PROJECT | --parent FOLDER_ID [--overwrite]]
               [youforce:  --business-type-id N]
               [--name NAME] [--part-size SIZE] [--concurrency N] [--state FILE]
               [--retry-for DURATION] [--retries N] [--json] [--quiet]
partwise upload PATH... [--recursive] --protocol P [the flags above but --name]
               [cavatica: --flatten]`,
  conformance: `partwise conformance --protocol basespace|cavatica|youforce|all
               (--embedded | [--base-url URL] [--token T] [--other-token T2]
                             [--app-result ID] [--project OWNER/PROJECT] [--parent FOLDER_ID]
                             [--business-type-id N])
               [--seed N] [--num-runs N] [--path P] [--checks GLOB ...] [--strict] [--baseline FILE]
               [--max-bytes SIZE] [--wait DURATION] [--reporter pretty|html|json|junit|github]
               [--output FILE] [--report-dir DIR] [--har FILE] [--quiet]
partwise conformance --list [--protocol P|all] [--json]`,
};

const EXIT_CODES =
  "exit codes: 0 success · 1 upload failed or a rule was broken · 2 bad usage or configuration, or a target that could not be tested · 130 interrupted (an upload with --state is paused and resumable)";

const SIZES =
  "SIZE is bytes, or a number with a unit: 16MiB, 500KiB, 2GiB (1024-based), 5MB, 1GB (1000-based).";

/** Where the base URL and the token come from when their flag is not given; the flag always wins. */
export const SETTINGS = `settings (a flag always wins; otherwise the first variable that is set):
  base URL   --base-url, PARTWISE_BASE_URL,
             then basespace: BASESPACE_API_SERVER (…/v1pre3 is added to a bare host)
                  cavatica:  SB_API_ENDPOINT
  token      --token, PARTWISE_TOKEN,
             then basespace: BASESPACE_ACCESS_TOKEN · cavatica: SB_AUTH_TOKEN
  Prefer the environment for tokens: flags end up in shell history.`;

const DETAILS: Record<CommandName, string> = {
  serve: `Runs a faithful reference server for one protocol, to develop and test against without the
vendor's cloud. Prints its base URL (the API root: …/v1pre3, …/v2 or …/v1.0) as the first line of
stdout, logs each request to stderr (tokens redacted) unless --quiet, and serves until
SIGINT/SIGTERM, then exits 0.

  --data-dir DIR        keep uploads on disk across restarts (default: a temp dir removed on exit)
  --token T             accepted tokens, repeatable (default: any non-empty token); each its own identity
  --fault SPEC          inject faults, repeatable: op=uploadFilePart,status=503,rate=0.2 or op=*,reset,seed=7
  --cors-origin ORIGIN  allow browser clients from ORIGIN (* for any), repeatable
  --reading R           how to read rules the documents leave open: default, lenient or strict
  --part-url-ttl S      cavatica: signed part URLs expire after S seconds
  --rate-limit N/s      youforce: answer 429 above N requests a second (or N/min)
  --fsync               fsync accepted parts before answering
  --storage disk|s3     where blobs go (default disk, in --data-dir); s3 keeps them as objects in a
                        bucket (created if missing, with a CORS rule for --cors-origin) and state in
                        --data-dir; credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION
  --s3-endpoint URL     the S3 endpoint (path-style), e.g. http://127.0.0.1:7480
  --s3-bucket NAME      the bucket; --s3-prefix P puts the objects under P/ (default: the protocol's name)
  --quiet               no request log`,
  upload: `Uploads FILE (or standard input, -) with the protocol's own rules: parallel parts, retries
(network errors, 5xx, 408, 429 with Retry-After) and resume. Any other 4xx fails at once, naming
the rule. Several PATHs, or a directory with --recursive, upload as one batch (see below).

  --protocol P          basespace, cavatica or youforce
  --base-url URL        the API root, version included (…/v1pre3, …/v2, …/v1.0)
  --token T             the access token
  --app-result ID       basespace: the AppResult to upload to (--directory D, --content-type T)
  --project O/P         cavatica: the project to upload to, or --parent FOLDER_ID
  --overwrite           cavatica: replace a file of the same name instead of failing (409)
  --business-type-id N  youforce: the business type of the file
  --name NAME           the file's name (default: FILE's base name; required for - with cavatica)
  --part-size SIZE      bytes per part (the protocol's default and limits otherwise)
  --concurrency N       parts in flight at once
  --state FILE          resume journal: rerun the same command after a crash, a failure or Ctrl-C
                        and only the parts not yet accepted are sent; a finished upload is
                        recognised (not for standard input). Ctrl-C then pauses instead of aborting
  --retry-for DURATION  keep retrying a failing request this long (default 2m; 90s, 5m, 1h)
  --retries N           at most N retries of one request (default 30)
  --json                print {"id","name","size","md5","parts"} on stdout (computes the whole MD5)
  --quiet               no progress on stderr
  --recursive           upload the files below each directory PATH, keeping their relative paths
  --flatten             cavatica: upload files of subdirectories by their base name (no folders)

Many files (several PATHs, or --recursive): --concurrency limits the requests in flight over all
files together (default 4); one overall bar and a line per finished file; --json prints one
object per file, one a line, with "path" and "status" (uploaded, skipped, failed, interrupted,
not-started); exit 1 when any file failed, with a summary naming them. --state FILE keeps one
resume state for the batch: a rerun skips the files stored before (same path, size and time) and
resumes the others; it stays after the batch, so a later rerun uploads only new or changed files.
Relative paths map to basespace directories (under --directory), youforce flat names (two files
with one name are refused), cavatica flat names (subdirectories need --flatten).

${SIZES}
Progress goes to stderr: a bar with throughput and ETA on a terminal, plain lines otherwise; the
last line says the file's id and where it is.

${SETTINGS}`,
  conformance: `Runs the conformance suite (@partwise/conformance) against a server, or against the reference
servers in-process with --embedded. Progress on stderr; the report on stdout or in --output.
A target that cannot be reached, or refuses the token, is reported as an error (exit 2), never as
broken rules.

  --protocol P          basespace, cavatica, youforce, or all (all only with --embedded)
  --embedded            start the three reference servers in-process instead of --base-url
  --other-token T2      a second identity for the isolation checks (or PARTWISE_OTHER_TOKEN)
  --app-result ID       basespace: an AppResult the token may write to
  --project O/P         cavatica: where the checks upload (and/or --parent FOLDER_ID)
  --business-type-id N  youforce: the business type the checks upload to
  --checks GLOB         only rules whose id matches (BS-PART-*, CV-AUTH,CV-ABORT), repeatable
  --seed N              the fast-check seed (random by default, always printed)
  --num-runs N          runs of the properties that do not set their own
  --path P              replay one failure (with --checks ID --seed S, as printed)
  --strict              broken should rules fail the run too
  --baseline FILE       known failures: a JSON list of rule ids, or a previous JSON report
  --max-bytes SIZE      data budget; default 1GiB against a real server, unlimited embedded
  --wait DURATION       how long a check may wait for the server's clock (default 15s)
  --reporter R          pretty (default), html, json, junit or github (annotations)
  --output FILE         write the report there instead of stdout
  --report-dir DIR      also write report.html, report.json, report.xml and exchanges.har there
  --har FILE            every request of the run as an HTTP Archive (HAR 1.2)
  --list                print every rule (id, level, title, needs) and run nothing; --json for JSON
  --quiet               no progress lines on stderr

${SIZES}

${SETTINGS}`,
};

/** `partwise <command> --help`. */
export function commandHelp(name: CommandName): string {
  return `usage: ${SYNOPSIS[name]}\n\n${DETAILS[name]}\n\n${EXIT_CODES}\n`;
}

/** `partwise --help`. */
export function mainHelp(): string {
  return `usage: partwise <command> [flags]
       partwise <command> --help
       partwise --version

commands:
${(Object.keys(SUMMARY) as CommandName[]).map((name) => `  ${name.padEnd(12)} ${SUMMARY[name]}`).join("\n")}

${EXIT_CODES}
`;
}
