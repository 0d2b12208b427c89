/**
 * File names checked before any request (YF-NAME-CHARSET, YF-NAME-RESERVED, YF-NAME-EXTENSION;
 * [S4] and the multipart/resumable guides): only `` a-z A-Z 0-9 - _ . ( ) , $ + ` = ' ``, no name
 * of dots only or Windows device name, and no "malicious" extension. The vendor does not publish its extension list; the default here is the reference
 * server's (`DEFAULT_DENIED_EXTENSIONS` of `/server`, which a test keeps equal to this one), and
 * callers of a server with another list pass their own.
 */
import {
  deniedExtensionOf,
  fileNameCharsetOk,
  normaliseExtensions,
  reservedFileName,
  YOUFORCE_DENIED_EXTENSIONS,
} from "../file-name-rules.ts";
import { YouforceError, type YouforceOperation } from "./errors.ts";

export { YOUFORCE_DENIED_EXTENSIONS } from "../file-name-rules.ts";

/**
 * Throws a `PW_YOUFORCE_USAGE` error naming the rule unless `name` keeps YF-NAME-CHARSET and has
 * no extension of `denied` (with or without dots, any letter case).
 */
export function checkFileName(
  name: string,
  denied: readonly string[] = YOUFORCE_DENIED_EXTENSIONS,
  operation: YouforceOperation = "uploadFile",
): void {
  if (!fileNameCharsetOk(name)) {
    throw new YouforceError(
      `File name ${JSON.stringify(name.slice(0, 80))} is empty or has characters other than a-z A-Z 0-9 - _ . ( ) , $ + \` = '`,
      { kind: "usage", operation, retryable: false, rule: "YF-NAME-CHARSET" },
    );
  }
  if (reservedFileName(name)) {
    throw new YouforceError(
      `File name ${JSON.stringify(name)} is reserved (only dots, or a Windows device name such as CON or NUL)`,
      { kind: "usage", operation, retryable: false, rule: "YF-NAME-RESERVED" },
    );
  }
  const extension = deniedExtensionOf(name, normaliseExtensions(denied));
  if (extension !== undefined) {
    throw new YouforceError(`File name ${JSON.stringify(name)} has a forbidden extension .${extension}`, {
      kind: "usage",
      operation,
      retryable: false,
      rule: "YF-NAME-EXTENSION",
    });
  }
}
