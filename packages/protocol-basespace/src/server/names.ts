/**
 * The `name` and `directory` of a new File (BS-INIT-NAME). BaseSpace documents neither the
 * allowed characters nor the nesting depth (PROTOCOLS.md 1.7), so the reference server refuses
 * only what could escape or confuse a path: `..`, backslashes, NUL and other control characters,
 * and a leading `/`. Names never reach the file system (blobs are stored under internal keys);
 * the refusal keeps `Path` meaningful for clients that map it onto theirs.
 */
import { basespaceSchemas } from "../schemas.ts";
import { BasespaceHttpError, refuse } from "./errors.ts";

const MAX_NAME = 1024;
const MAX_DIRECTORY = 4096;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const CONTROL = /[\u0000-\u001f\u007f]/;

export interface FileNames {
  readonly name: string;
  /** Without trailing slashes; null when absent or empty. */
  readonly directory: string | null;
}

function checkPathText(field: "name" | "directory", value: string, max: number): void {
  const problem =
    value.length > max
      ? `may not be longer than ${max} characters`
      : value.includes("..")
        ? "may not contain '..'"
        : value.includes("\\")
          ? "may not contain a backslash"
          : CONTROL.test(value)
            ? "may not contain NUL or other control characters"
            : value.startsWith("/")
              ? "may not start with '/'"
              : undefined;
  if (problem !== undefined) refuse(400, `The ${field} parameter ${problem}`, "BS-INIT-NAME");
}

/**
 * Validates the raw `name`/`directory` values (from the query or a body) against the spec's
 * `FileUploadParameters` schema and the path rules above.
 */
export function fileNames(rawName: unknown, rawDirectory: unknown): FileNames {
  const name = rawName === "" || rawName === null ? undefined : rawName;
  const directory = rawDirectory === "" || rawDirectory === null ? undefined : rawDirectory;
  const checked = basespaceSchemas.validate("FileUploadParameters", {
    ...(name === undefined ? {} : { name }),
    ...(directory === undefined ? {} : { directory }),
  });
  if (!checked.ok) {
    const issue = checked.issues[0]!;
    refuse(400, `Invalid parameter ${issue.path.slice(1) || "body"}: ${issue.message}`, "BS-PARAMS-ANYWHERE");
  }
  if (typeof name !== "string")
    throw new BasespaceHttpError(400, "The name parameter is required", "BS-INIT-NAME", [
      { ErrorCode: "NotEmpty", FieldName: "name", Message: "name must not be empty" },
    ]);
  checkPathText("name", name, MAX_NAME);
  if (typeof directory !== "string") return { name, directory: null };
  checkPathText("directory", directory, MAX_DIRECTORY);
  const trimmed = directory.replace(/\/+$/, "");
  return { name, directory: trimmed === "" ? null : trimmed };
}
