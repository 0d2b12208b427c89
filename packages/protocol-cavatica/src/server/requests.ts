/**
 * The JSON request bodies of the API, checked field by field so that each refusal carries the
 * platform code and rule id the spec gives it, then validated against the generated schemas
 * (`cavaticaSchemas`) as a backstop. What real clients send is accepted: `null` for an absent
 * optional field (sevenbridges-python builds its init body with every key), ETags with or
 * without quotes and in any hex case, header names in any case.
 */
import type { PartLimits } from "@partwise/engine";
import type { PartReport } from "../generated/schemas.ts";
import { cavaticaSchemas } from "../schemas.ts";
import { isObject, NO_BODY } from "./body.ts";
import { partNumberMessage } from "./context.ts";
import { badRequest, Code } from "./errors.ts";
import type { Target } from "./state.ts";

export interface InitRequest {
  readonly target: Target;
  readonly name: string;
  readonly size: number | undefined;
  /** The preferred part size, when it is a usable integer; the server may still replace it. */
  readonly partSize: number | undefined;
  readonly md5: string | undefined;
}

export const PROJECT: RegExp = /^[^/]+\/[^/]+$/;

/**
 * How `parseInit` departs from the default: the lenient reading (`anySize`) and the mutants of
 * mutations.ts (each named after the rule it breaks).
 */
export interface InitPolicy {
  /** CV-INIT-TARGET mutant: both given, the project wins. */
  readonly allowBothTargets?: boolean | undefined;
  /** CV-INIT-NAME mutant: no name is the name `untitled`. */
  readonly defaultName?: boolean | undefined;
  /** CV-INIT-NAME-CHARS mutant: `/` allowed. */
  readonly allowSlash?: boolean | undefined;
  /** CV-INIT-NAME-CHARS:ascii-only mutant: spaces and non-ASCII refused. */
  readonly asciiOnly?: boolean | undefined;
  /** Lenient reading and the CV-MAX-FILE-SIZE mutant: no maximum `size` at init. */
  readonly anySize?: boolean | undefined;
  /** CV-PART-SIZE-PREFERENCE mutant: a preference outside the limits is refused, not replaced. */
  readonly refuseOddPartSize?: boolean | undefined;
  /** Strict reading: keys the documents do not list are refused. */
  readonly documentedKeysOnly?: boolean | undefined;
}

/** The init keys the documents list (`parent` from the error codes 5029 and 5031). */
const INIT_KEYS: ReadonlySet<string> = new Set(["project", "parent", "name", "size", "part_size", "md5"]);

/** A key of `body` that is not in `known`, or undefined. */
function unknownKey(body: Record<string, unknown>, known: ReadonlySet<string>): string | undefined {
  return Object.keys(body).find((key) => !known.has(key));
}

/** `initUpload`'s body (CV-INIT-TARGET, CV-INIT-NAME, CV-INIT-NAME-CHARS, CV-MAX-FILE-SIZE, CV-PART-SIZE). */
/**
 * A file or folder name the platform takes (CV-INIT-NAME-CHARS): 1 to 255 characters, no `/`,
 * neither `.` nor `..`.
 */
export function isValidFileName(name: unknown): name is string {
  if (typeof name !== "string") return false;
  const length = [...name].length;
  return length >= 1 && length <= 255 && !name.includes("/") && name !== "." && name !== "..";
}

export function parseInit(body: unknown, limits: PartLimits, policy: InitPolicy = {}): InitRequest {
  if (body === NO_BODY || !isObject(body))
    throw badRequest(
      Code.invalidInit,
      "Invalid init request: the body must be a JSON object with name and project or parent",
      "CV-INIT-TARGET",
    );
  const present = (key: string): boolean => body[key] !== undefined && body[key] !== null;
  const unknown = policy.documentedKeysOnly ? unknownKey(body, INIT_KEYS) : undefined;
  if (unknown !== undefined)
    throw badRequest(
      Code.invalidInit,
      `Invalid init request: unknown key ${JSON.stringify(unknown)}`,
      "CV-INIT-TARGET",
    );

  // CV-INIT-TARGET: exactly one of project and parent (error codes 5029 and 5031).
  if (!present("project") && !present("parent"))
    throw badRequest(Code.missingTarget, 'Missing "parent" or "project" in the request', "CV-INIT-TARGET");
  if (present("project") && present("parent") && !policy.allowBothTargets)
    throw badRequest(
      Code.bothTargets,
      'Providing both "parent" and "project" is not allowed',
      "CV-INIT-TARGET",
    );
  let target: Target;
  if (present("project")) {
    const project = body.project;
    if (typeof project !== "string" || !PROJECT.test(project))
      throw badRequest(
        Code.malformedProject,
        "Malformed project id; expecting <owner>/<project-name>",
        "CV-INIT-TARGET",
      );
    target = { kind: "project", id: project };
  } else {
    const parent = body.parent;
    if (typeof parent !== "string" || parent.length === 0)
      throw badRequest(
        Code.invalidInit,
        "Invalid init request: parent must be a folder id",
        "CV-INIT-TARGET",
      );
    target = { kind: "parent", id: parent };
  }

  // CV-INIT-NAME: required, a string. CV-INIT-NAME-CHARS: 1..255 characters, no "/". "." and ".."
  // name directories, not files.
  const name = body.name === undefined && policy.defaultName ? "untitled" : body.name;
  if (typeof name !== "string")
    throw badRequest(Code.invalidInit, "Invalid init request: name is required", "CV-INIT-NAME");
  const length = [...name].length;
  if (
    length < 1 ||
    length > 255 ||
    (name.includes("/") && !policy.allowSlash) ||
    name === "." ||
    name === ".." ||
    (policy.asciiOnly && /[^\x21-\x7e]/.test(name))
  )
    throw badRequest(
      Code.invalidInit,
      'Invalid init request: name must be 1 to 255 characters without "/"',
      "CV-INIT-NAME-CHARS",
    );

  let size: number | undefined;
  if (present("size")) {
    const value = body.size;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0)
      throw badRequest(
        Code.invalidInit,
        "Invalid init request: size must be a byte count",
        "CV-MAX-FILE-SIZE",
      );
    if (value > limits.maxTotalSize && !policy.anySize)
      throw badRequest(
        Code.invalidInit,
        `Invalid init request: size exceeds the maximum file size of ${limits.maxTotalSize} bytes`,
        "CV-MAX-FILE-SIZE",
      );
    size = value;
  }

  // CV-PART-SIZE: a preference; an unusable number is replaced, only a non-number is malformed.
  let partSize: number | undefined;
  if (present("part_size")) {
    const value = body.part_size;
    if (typeof value !== "number")
      throw badRequest(
        Code.invalidInit,
        "Invalid init request: part_size must be an integer",
        "CV-PART-SIZE",
      );
    if (policy.refuseOddPartSize && !(value >= limits.minPartSize && value <= limits.maxPartSize))
      throw badRequest(
        Code.invalidInit,
        "Invalid init request: part_size must be within the part size limits",
        "CV-PART-SIZE-PREFERENCE",
      );
    if (Number.isSafeInteger(value) && value > 0) partSize = value;
  }

  let md5: string | undefined;
  if (present("md5")) {
    const value = body.md5;
    if (typeof value !== "string" || !/^[0-9a-fA-F]{32}$/.test(value))
      throw badRequest(Code.invalidInit, "Invalid init request: md5 must be 32 hex digits", "CV-INIT-NAME");
    md5 = value;
  }

  // Backstop: the generated schema, over the normalised fields (the name was checked by code
  // points above; JSON Schema's maxLength counts them too, TypeBox counts UTF-16 units).
  const normalised = {
    ...(target.kind === "project" ? { project: target.id } : { parent: target.id }),
    name: "n",
    ...(size === undefined || size > limits.maxTotalSize ? {} : { size }),
    ...(partSize === undefined ? {} : { part_size: partSize }),
    ...(md5 === undefined ? {} : { md5 }),
  };
  const checked = cavaticaSchemas.validate("MultipartUploadInit", normalised);
  if (!checked.ok)
    throw badRequest(
      Code.invalidInit,
      `Invalid init request at ${checked.issues[0]?.path ?? "/"}: ${checked.issues[0]?.message ?? "invalid"}`,
      "CV-INIT-TARGET",
    );
  return { target, name, size, partSize, md5 };
}

/** A part report, checked in shape (the stored-ETag check needs the upload, see handlers). */
export interface ParsedReport {
  readonly partNumber: number;
  /** The report as recorded and echoed: `{part_number, response: {headers, body?}}`. */
  readonly report: PartReport;
  /** The ETag it names: quotes stripped, lowercase. */
  readonly etag: string;
}

/** Strips surrounding double quotes and lowercases an ETag (CV-REPORT-ETAG). */
export function normaliseEtag(value: string): string {
  const trimmed = value.trim();
  const unquoted =
    trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
  return unquoted.toLowerCase();
}

/** How report bodies are read beyond the default: the readings and the mutants of mutations.ts. */
export interface ReportPolicy {
  /** The highest part number (CV-PART-NUMBER-MAX; context.ts `maxPartNumber`). */
  readonly maxPartNumber: number;
  /** Strict reading: the ETag header is named exactly as `report.headers` names it (`ETag`). */
  readonly exactHeaderName?: boolean | undefined;
  /** CV-REPORT-BODY mutant: no part_number is part 1. */
  readonly defaultPartNumber?: boolean | undefined;
  /** CV-REPORT-BODY:quoted mutant: a quoted ETag is refused. */
  readonly refuseQuoted?: boolean | undefined;
  /** CV-REPORT-BATCH mutant: a body without a parts array is an empty batch. */
  readonly partsOptional?: boolean | undefined;
  /** Strict reading: keys the documents do not list are refused. */
  readonly documentedKeysOnly?: boolean | undefined;
}

const REPORT_KEYS: ReadonlySet<string> = new Set(["part_number", "response"]);
const RESPONSE_KEYS: ReadonlySet<string> = new Set(["headers", "body"]);

const DEFAULT_REPORT_POLICY: ReportPolicy = { maxPartNumber: 10_000 };

/** One part report (CV-REPORT-BODY, CV-PART-NUMBER, CV-REPORT-HEADERS). `where` prefixes messages. */
export function parseReport(
  value: unknown,
  where = "",
  policy: ReportPolicy = DEFAULT_REPORT_POLICY,
): ParsedReport {
  const at = where === "" ? "" : `${where}: `;
  const malformed = (detail: string) =>
    badRequest(
      Code.invalidPartReport,
      `${at}Invalid part report; expecting {part_number, response: {headers: {ETag}}}: ${detail}`,
      "CV-REPORT-BODY",
    );
  if (value === NO_BODY || !isObject(value)) throw malformed("the report must be a JSON object");
  const unknownTop = policy.documentedKeysOnly ? unknownKey(value, REPORT_KEYS) : undefined;
  if (unknownTop !== undefined) throw malformed(`unknown key ${JSON.stringify(unknownTop)}`);
  const partNumber = value.part_number === undefined && policy.defaultPartNumber ? 1 : value.part_number;
  if (partNumber === undefined || partNumber === null) throw malformed("part_number is missing");
  if (typeof partNumber !== "number") throw malformed("part_number must be an integer");
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > policy.maxPartNumber)
    throw badRequest(
      Code.invalidPartNumber,
      `${at}${partNumberMessage(policy.maxPartNumber, partNumber > policy.maxPartNumber)}`,
      "CV-PART-NUMBER",
    );
  const response = value.response;
  if (!isObject(response)) throw malformed("response must be an object");
  const unknownInner = policy.documentedKeysOnly ? unknownKey(response, RESPONSE_KEYS) : undefined;
  if (unknownInner !== undefined) throw malformed(`unknown key response.${unknownInner}`);
  const headers = response.headers;
  if (!isObject(headers)) throw malformed("response.headers must be an object");
  for (const [name, header] of Object.entries(headers))
    if (typeof header !== "string") throw malformed(`response.headers.${name} must be a string`);
  const body = response.body;
  if (body !== undefined && body !== null && !isObject(body))
    throw malformed("response.body must be an object");

  const report: PartReport = {
    part_number: partNumber,
    response: {
      headers: headers as Record<string, string>,
      ...(isObject(body) ? { body } : {}),
    },
  };
  const checked = cavaticaSchemas.validate("PartReport", report);
  if (!checked.ok) throw malformed(`${checked.issues[0]?.path ?? "/"} ${checked.issues[0]?.message ?? ""}`);

  // CV-REPORT-HEADERS: the header named by report.headers (ETag), matched case-insensitively
  // (exactly, in the strict reading).
  const etagHeader = Object.keys(headers).find((name) =>
    policy.exactHeaderName ? name === "ETag" : name.toLowerCase() === "etag",
  );
  if (etagHeader === undefined)
    throw badRequest(
      Code.invalidPartReport,
      `${at}Invalid part report: response.headers must carry the ETag of the storage response`,
      "CV-REPORT-HEADERS",
    );
  const etag = headers[etagHeader] as string;
  if (policy.refuseQuoted && etag.includes('"')) throw malformed("the ETag must not be quoted");
  return { partNumber, report, etag: normaliseEtag(etag) };
}

/**
 * `{parts: [...]}` of `reportParts` and `completeUpload` (CV-REPORT-BATCH). `optional` (complete)
 * also accepts no body, `null`, `{}` and `{parts: null}` as "no further parts".
 */
export function parseReportList(
  body: unknown,
  optional: boolean,
  policy: ReportPolicy = DEFAULT_REPORT_POLICY,
): ParsedReport[] {
  if (optional && (body === NO_BODY || body === null)) return [];
  if (policy.partsOptional && !(isObject(body) && Array.isArray(body.parts))) return [];
  const invalid = () =>
    badRequest(Code.invalidPartsList, 'Invalid parts list; expecting {"parts": [...]}', "CV-REPORT-BATCH");
  if (!isObject(body)) throw invalid();
  const parts = body.parts;
  if (optional && (parts === undefined || parts === null)) return [];
  if (!Array.isArray(parts) || parts.length > 10_000) throw invalid();
  return parts.map((part, index) => parseReport(part, `parts[${index}]`, policy));
}
