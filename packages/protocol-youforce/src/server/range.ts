/**
 * `Range` of a download (YF-DOWNLOAD-RANGE; RFC 9110 §14.1.2, §14.2): one byte range, `bytes=a-b`,
 * `bytes=a-` or `bytes=-n`, answered 206; a range that starts at or past the end answers 416. Other
 * units, several ranges and malformed values are ignored (RFC 9110 §14.2: "a server MAY ignore the
 * Range header field"), so the whole file is answered with 200.
 */

export type RangeResult =
  | { readonly kind: "whole" }
  | { readonly kind: "partial"; readonly start: number; readonly end: number }
  | { readonly kind: "unsatisfiable" };

export function parseRange(header: string | null, size: number): RangeResult {
  if (header === null) return { kind: "whole" };
  const match = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return { kind: "whole" };
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") return { kind: "whole" };
  if (first === "") {
    // Suffix range: the last n bytes (RFC 9110 §14.1.2); n = 0 selects nothing.
    const n = Number(last);
    if (n === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "partial", start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== "" && Number(last) < start) return { kind: "whole" }; // invalid: ignored
  if (start >= size) return { kind: "unsatisfiable" };
  return { kind: "partial", start, end };
}
