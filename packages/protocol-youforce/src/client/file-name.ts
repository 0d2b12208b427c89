/**
 * File names checked before any request (YF-NAME-CHARSET, YF-NAME-EXTENSION; [S4] and the
 * multipart/resumable guides): only `` a-z A-Z 0-9 - _ . ( ) , $ + ` = ' ``, and no "malicious"
 * extension. The vendor does not publish its extension list; the default here is the reference
 * server's (`DEFAULT_DENIED_EXTENSIONS` of `/server`, which a test keeps equal to this one), and
 * callers of a server with another list pass their own.
 */
import { youforceSchemas } from "../index.ts";
import { YouforceError, type YouforceOperation } from "./errors.ts";

/** YF-NAME-EXTENSION: extensions refused in any letter case (the reference server's default list). */
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

/**
 * Throws a `PW_YOUFORCE_USAGE` error naming the rule unless `name` keeps YF-NAME-CHARSET (the
 * generated `FileName` schema's pattern) and has no extension of `denied` (with or without dots,
 * any letter case). Trailing dots do not hide an extension (`x.exe.` runs as `x.exe` on Windows).
 */
export function checkFileName(
  name: string,
  denied: readonly string[] = YOUFORCE_DENIED_EXTENSIONS,
  operation: YouforceOperation = "uploadFile",
): void {
  if (!youforceSchemas.validate("FileName", name).ok) {
    throw new YouforceError(
      `File name ${JSON.stringify(name.slice(0, 80))} is empty or has characters other than a-z A-Z 0-9 - _ . ( ) , $ + \` = '`,
      { kind: "usage", operation, retryable: false, rule: "YF-NAME-CHARSET" },
    );
  }
  const trimmed = name.replace(/\.+$/, "");
  const dot = trimmed.lastIndexOf(".");
  const extension = dot < 0 ? "" : trimmed.slice(dot + 1).toLowerCase();
  const deny = new Set(denied.map((ext) => ext.trim().replace(/^\.+/, "").toLowerCase()));
  if (extension !== "" && deny.has(extension)) {
    throw new YouforceError(`File name ${JSON.stringify(name)} has a forbidden extension .${extension}`, {
      kind: "usage",
      operation,
      retryable: false,
      rule: "YF-NAME-EXTENSION",
    });
  }
}
