/**
 * The file-name rules of the YouForce File API, in one place for the client (checked before any
 * request) and the reference server (checked on every upload):
 * - YF-NAME-CHARSET [S4]: only `` a-z A-Z 0-9 - _ . ( ) , $ + ` = ' `` — the generated `FileName`
 *   schema's pattern, so the spec is the single source;
 * - YF-NAME-EXTENSION [S4]: no "malicious" extension. The vendor does not publish its list; this
 *   default (executables and scripts) is the reference server's, and both sides take another.
 *   Trailing dots do not hide an extension (`x.exe.` runs as `x.exe` on Windows).
 * - YF-NAME-RESERVED: no name that is only dots (`.`, `..`) or a device name Windows reserves
 *   (`CON`, `PRN`, `AUX`, `NUL`, `COM1`–`COM9`, `LPT1`–`LPT9`, any case, with or without an
 *   extension; https://learn.microsoft.com/windows/win32/fileio/naming-a-file#naming-conventions):
 *   a subscriber saving the file under its `Content-Disposition` name would write a directory or
 *   a device.
 */
import { FileNameSchema } from "./generated/schemas.ts";

/** YF-NAME-EXTENSION: extensions refused in any letter case by default. */
export const YOUFORCE_DENIED_EXTENSIONS: readonly string[] = [
  ".exe",
  ".bat",
  ".cmd",
  ".com",
  ".scr",
  ".js",
  ".vbs",
  ".ps1",
  ".msi",
  ".jar",
];

const CHARSET = new RegExp(FileNameSchema.pattern ?? "^[A-Za-z0-9\\-_.(),$+`=']+$");

/** YF-NAME-CHARSET: true when every character of a non-empty `name` is allowed. */
export function fileNameCharsetOk(name: string): boolean {
  return (
    CHARSET.test(name) && (FileNameSchema.maxLength === undefined || name.length <= FileNameSchema.maxLength)
  );
}

/** Lower-case extensions without the dot, from a list given with or without dots. */
export function normaliseExtensions(list: readonly string[]): ReadonlySet<string> {
  return new Set(list.map((ext) => ext.trim().replace(/^\.+/, "").toLowerCase()).filter(Boolean));
}

/** YF-NAME-EXTENSION: the denied extension of `name` (lower case, no dot), or undefined. */
export function deniedExtensionOf(name: string, denied: ReadonlySet<string>): string | undefined {
  const trimmed = name.replace(/\.+$/, "");
  const dot = trimmed.lastIndexOf(".");
  const extension = dot < 0 ? "" : trimmed.slice(dot + 1).toLowerCase();
  return extension !== "" && denied.has(extension) ? extension : undefined;
}

/** Device names Windows reserves, whatever extension follows (`nul.txt` is NUL). */
const WINDOWS_RESERVED = /^(?:con|prn|aux|nul|com[1-9]|lpt[1-9])(?:\..*)?$/i;

/** YF-NAME-RESERVED: true for `.`, `..` (any name of dots only) and Windows device names. */
export function reservedFileName(name: string): boolean {
  return /^\.+$/.test(name) || WINDOWS_RESERVED.test(name.replace(/\.+$/, ""));
}
