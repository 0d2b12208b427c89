/** The uploader's result and its "the server answered something else" error. */

import { BasespaceError } from "../client/errors.ts";
import type { File as BasespaceFile } from "../generated/schemas.ts";
import type { BasespaceUploadResult } from "./options.ts";

export function describeResult(
  file: BasespaceFile,
  details: Pick<BasespaceUploadResult, "md5" | "parts" | "method" | "resumed">,
): BasespaceUploadResult {
  return {
    id: file.Id,
    name: file.Name,
    size: file.Size,
    ...(details.md5 === undefined ? {} : { md5: details.md5 }),
    parts: details.parts,
    path: file.Path,
    contentType: file.ContentType,
    method: details.method,
    resumed: details.resumed,
    file,
  };
}

export function invalidAnswer(
  operation: string,
  problem: string,
  retryable = false,
  rule?: string,
): BasespaceError {
  return new BasespaceError(`${operation}: invalid response: ${problem}`, {
    kind: "invalid-response",
    operation,
    status: undefined,
    retryable,
    rule,
  });
}
