/**
 * The metadata part of an upload (specs/youforce.yaml `FileMetadata`; rules YF-METADATA-JSON,
 * YF-METADATA-FILENAME, YF-METADATA-BUSINESS-TYPE, YF-METADATA-KEYS, YF-NAME-CHARSET,
 * YF-NAME-EXTENSION).
 *
 * The [S4] table names the keys `FileName` and `BusinessTypeId`, while the [S4] worked example and
 * the official PowerShell client (UploadFile.ps1 `CreateFirstChunkRequest`) send
 * `{"name": "...", "businesstypeid": "7100"}`. Both must work (YF-METADATA-KEYS): keys are matched
 * case-insensitively, `name` stands for `FileName` when `FileName` is absent, the id is an integer
 * or a string of digits, and unknown keys are ignored. The normalised metadata is then validated
 * with the generated `FileMetadataDocumented` schema.
 */
import {
  deniedExtensionOf,
  fileNameCharsetOk,
  normaliseExtensions,
  YOUFORCE_DENIED_EXTENSIONS,
} from "../file-name-rules.ts";
import { youforceSchemas } from "../schemas.ts";

export { normaliseExtensions };

import { quote, refuse } from "./errors.ts";
import type { YouforceMutation } from "./mutations.ts";

export interface UploadMetadata {
  readonly fileName: string;
  readonly businessTypeId: number;
  readonly customMetadata?: Readonly<Record<string, string>>;
}

/** YF-NAME-EXTENSION: the reference server's default deny list (the vendor's list is unpublished). */
export const DEFAULT_DENIED_EXTENSIONS: readonly string[] = YOUFORCE_DENIED_EXTENSIONS;

const NO_MUTATIONS: ReadonlySet<YouforceMutation> = new Set();

/** Checks a file name against YF-NAME-CHARSET and YF-NAME-EXTENSION. */
export function checkFileName(
  name: string,
  denied: ReadonlySet<string>,
  mutations: ReadonlySet<YouforceMutation> = NO_MUTATIONS,
): void {
  if (!fileNameCharsetOk(name) && !mutations.has("YF-NAME-CHARSET"))
    refuse(
      400,
      `File name ${quote(name)} contains characters that are not allowed; use only a-z A-Z 0-9 - _ . ( ) , $ + \` = '`,
      "YF-NAME-CHARSET",
    );
  const extension =
    mutations.size === 0 ? deniedExtensionOf(name, denied) : mutantExtension(name, denied, mutations);
  if (extension !== undefined && !mutations.has("YF-NAME-EXTENSION"))
    refuse(400, `File name ${quote(name)} has a forbidden extension .${extension}`, "YF-NAME-EXTENSION");
}

const PROGRAMS = new Set(["exe", "bat", "cmd", "com", "scr"]);

/** The YF-NAME-EXTENSION(-SCRIPTS) mutants' ways of getting a name's extension wrong. */
function mutantExtension(
  name: string,
  denied: ReadonlySet<string>,
  mutations: ReadonlySet<YouforceMutation>,
): string | undefined {
  const trimmed = name.replace(/\.+$/, "");
  let extension: string;
  // :first-extension: everything after the first dot.
  if (mutations.has("YF-NAME-EXTENSION:first-extension")) extension = trimmed.slice(trimmed.indexOf(".") + 1);
  else extension = trimmed.slice(trimmed.lastIndexOf(".") + 1);
  if (trimmed.indexOf(".") < 0) extension = "";
  // :case-sensitive: the list is lower case, the name is compared as it is.
  if (!mutations.has("YF-NAME-EXTENSION:case-sensitive")) extension = extension.toLowerCase();
  if (mutations.has("YF-NAME-EXTENSION-SCRIPTS") && !PROGRAMS.has(extension.toLowerCase())) return undefined;
  return extension !== "" && denied.has(extension) ? extension : undefined;
}

/** The spellings of the keys [S4] shows (its table and its worked example), lower-cased. */
const DOCUMENTED_KEYS: Readonly<Record<string, string>> = {
  FileName: "filename",
  name: "name",
  BusinessTypeId: "businesstypeid",
  businesstypeid: "businesstypeid",
  customMetadata: "custommetadata",
};

export interface MetadataOptions {
  readonly mutations?: ReadonlySet<YouforceMutation> | undefined;
  /** The part's declared charset when not UTF-8 (the lenient reading decodes it); default UTF-8. */
  readonly charset?: string | undefined;
  /** YF-METADATA-KEYS: keys in any letter case (default), or only the spellings [S4] shows. */
  readonly anyCase?: boolean | undefined;
}

/** The JSON text of the metadata part, parsed and normalised; every problem is a 400 naming its rule. */
export function parseMetadata(
  bytes: Uint8Array,
  denied: ReadonlySet<string>,
  options: MetadataOptions = {},
): UploadMetadata {
  const mutations = options.mutations ?? NO_MUTATIONS;
  let text: string;
  try {
    text = new TextDecoder(options.charset ?? "utf-8", { fatal: true }).decode(bytes);
  } catch {
    refuse(
      400,
      `The metadata part is not valid ${options.charset === undefined ? "UTF-8" : quote(options.charset)} text`,
      "YF-METADATA-JSON",
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    refuse(400, `The metadata part is not valid JSON: ${(error as Error).message}`, "YF-METADATA-JSON");
  }
  // Mutation YF-METADATA-JSON: the first element of an array is taken for the metadata.
  if (mutations.has("YF-METADATA-JSON") && Array.isArray(value)) value = value[0];
  if (typeof value !== "object" || value === null || Array.isArray(value))
    refuse(400, "The metadata part must hold one JSON object", "YF-METADATA-JSON");

  // YF-METADATA-KEYS: case-insensitive keys; the same key in two casings is ambiguous. Without
  // `anyCase` (the strict reading) only the documented spellings name a key; others are ignored.
  const anyCase = options.anyCase ?? true;
  // Mutation YF-CREATED:table-keys-only: only the [S4] table's spellings name a key.
  const tableOnly = mutations.has("YF-CREATED:table-keys-only");
  const keys = new Map<string, unknown>();
  for (const [key, entry] of Object.entries(value)) {
    const lower = tableOnly
      ? ["FileName", "BusinessTypeId", "customMetadata"].includes(key)
        ? key.toLowerCase()
        : undefined
      : anyCase
        ? key.toLowerCase()
        : Object.hasOwn(DOCUMENTED_KEYS, key)
          ? DOCUMENTED_KEYS[key]
          : undefined;
    if (lower === undefined) continue;
    if (keys.has(lower))
      refuse(
        400,
        `The metadata key ${quote(key)} is given twice in different letter cases`,
        "YF-METADATA-KEYS",
      );
    keys.set(lower, entry);
  }

  const given = keys.has("filename") ? keys.get("filename") : keys.get("name");
  // Mutation YF-METADATA-FILENAME: a missing file name is made up.
  const fileName = mutations.has("YF-METADATA-FILENAME") && !given ? "unnamed.bin" : given;
  if (fileName === undefined || fileName === null || fileName === "")
    refuse(400, "The metadata has no FileName", "YF-METADATA-FILENAME");
  if (typeof fileName !== "string")
    refuse(400, "The metadata FileName must be a string", "YF-METADATA-FILENAME");
  checkFileName(fileName, denied, mutations);

  const rawId = keys.get("businesstypeid");
  // Mutation YF-METADATA-BUSINESS-TYPE: a missing or non-integer business type id becomes 0.
  const lenientId = mutations.has("YF-METADATA-BUSINESS-TYPE");
  if ((rawId === undefined || rawId === null || rawId === "") && !lenientId)
    refuse(400, "The metadata has no BusinessTypeId", "YF-METADATA-BUSINESS-TYPE");
  const businessTypeId = lenientId ? lenientBusinessTypeId(rawId) : parseBusinessTypeId(rawId);

  const custom = keys.get("custommetadata");
  const normalised = {
    // Mutation YF-NAME-CHARSET: the schema's name pattern must not refuse the name either.
    FileName: mutations.has("YF-NAME-CHARSET") ? "name" : fileName,
    BusinessTypeId: businessTypeId,
    ...(custom === undefined || custom === null ? {} : { customMetadata: custom }),
  };
  const result = youforceSchemas.validate("FileMetadataDocumented", normalised);
  if (!result.ok) {
    const issue = result.issues[0];
    refuse(
      400,
      `The metadata is not valid${issue ? ` at ${issue.path || "/"}: ${issue.message}` : ""}`,
      "YF-METADATA-JSON",
    );
  }
  return {
    fileName,
    businessTypeId,
    ...(normalised.customMetadata === undefined
      ? {}
      : { customMetadata: normalised.customMetadata as Record<string, string> }),
  };
}

/** YF-METADATA-BUSINESS-TYPE: a non-negative integer, or a string of digits (YF-METADATA-KEYS). */
function parseBusinessTypeId(raw: unknown): number {
  const id =
    typeof raw === "number" ? raw : typeof raw === "string" && /^[0-9]{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(id) || id < 0)
    refuse(
      400,
      `The metadata BusinessTypeId must be an integer (or a string of digits), not ${quote(JSON.stringify(raw) ?? String(raw))}`,
      "YF-METADATA-BUSINESS-TYPE",
    );
  return id;
}

/** Mutation YF-METADATA-BUSINESS-TYPE: the id when it is one, else 0. */
function lenientBusinessTypeId(raw: unknown): number {
  const id = typeof raw === "number" ? raw : typeof raw === "string" ? Number(raw) : Number.NaN;
  return Number.isSafeInteger(id) && id >= 0 ? id : 0;
}
