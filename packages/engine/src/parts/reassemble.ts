/**
 * Checking and ordering the parts of an upload before they are joined into the file.
 *
 * Sources: BS-COMPLETE-ORDER ("the server joins them in ascending part-number order"; parts may
 * be uploaded in any order and numbers may be skipped), CV-COMPLETE-ORDER (CAVATICA needs every
 * part from 1 up), BS-PART-MD5 (a part whose bytes do not match its digest is rejected),
 * BS-PART-MIN-SIZE / BS-PART-MAX-SIZE / CV-PART-SIZE (sizes of the parts as stored).
 *
 * Rules kept: the result is ordered by ascending part number whatever the input order; a part
 * number given twice, a gap (only when `contiguous`), a size that disagrees with the bytes, or a
 * digest that disagrees with the bytes each raise their own error, with the protocol's rule id
 * from `options.rules`. Every check runs before any digest is computed, so a malformed request is
 * refused without hashing its bytes.
 */

import { type ErrorSide, PartwiseError } from "../errors.ts";
import { InvalidDigestError, md5 } from "../hash/digest.ts";
import { toHex } from "../hash/encoding.ts";
import { isByteCount, PartLimitError, type PartLimits } from "./limits.ts";
import { assertPartWithinLimits } from "./plan.ts";

/** A part as a server (or a resuming client) knows it: its number and size, maybe bytes and MD5. */
export interface ReassemblyPart {
  readonly number: number;
  readonly size: number;
  readonly md5?: Uint8Array | undefined;
  readonly bytes?: Uint8Array | undefined;
}

export interface ReassembleOptions {
  /** Require parts 1..N without gaps (CAVATICA); BaseSpace allows gaps. Default false. */
  readonly contiguous?: boolean | undefined;
  /** Also check sizes: every part but the last at least `minPartSize`, all at most `maxPartSize`. */
  readonly limits?: PartLimits | undefined;
  /** Rule ids for the errors: `complete` for duplicates and gaps, `md5` for a digest mismatch. */
  readonly rules?: { readonly complete?: string | undefined; readonly md5?: string | undefined } | undefined;
  /** `remote` when checking parts a peer sent (a server completing an upload). Default `local`. */
  readonly side?: ErrorSide | undefined;
}

export interface Reassembled<T extends ReassemblyPart> {
  /** The parts in ascending part-number order. */
  readonly parts: T[];
  readonly totalSize: number;
}

/** The same part number appears more than once. */
export class DuplicatePartError extends PartwiseError {
  readonly code = "PW_PART_DUPLICATE" as const;
  /** Each duplicated number once, ascending. */
  readonly numbers: readonly number[];

  constructor(numbers: readonly number[], rule: string | undefined, side: ErrorSide | undefined) {
    super(`Part number${numbers.length > 1 ? "s" : ""} ${numbers.join(", ")} given more than once`, {
      rule,
      side,
    });
    this.numbers = numbers;
  }
}

/** Parts are missing: none at all, or (when contiguous) a gap below the highest number. */
export class MissingPartError extends PartwiseError {
  readonly code = "PW_PART_MISSING" as const;
  /** The missing numbers, ascending; at most the first 1000 (a lone part 2^50 must not allocate 2^50). */
  readonly missing: readonly number[];
  /** How many numbers are missing in all. */
  readonly missingCount: number;

  constructor(
    missing: readonly number[],
    missingCount: number,
    rule: string | undefined,
    side: ErrorSide | undefined,
  ) {
    const more = missingCount > missing.length ? ` and ${missingCount - missing.length} more` : "";
    super(`Missing part${missingCount > 1 ? "s" : ""} ${missing.join(", ")}${more}`, { rule, side });
    this.missing = missing;
    this.missingCount = missingCount;
  }
}

/** A part's bytes disagree with its declared size or MD5. */
export class PartMismatchError extends PartwiseError {
  readonly code = "PW_PART_MISMATCH" as const;
  readonly partNumber: number;
  readonly mismatch: "size" | "md5";
  /** Declared size, or declared MD5 as hex. */
  readonly expected: number | string;
  /** Byte length, or MD5 of the bytes as hex. */
  readonly actual: number | string;

  constructor(
    partNumber: number,
    mismatch: "size" | "md5",
    expected: number | string,
    actual: number | string,
    rule: string | undefined,
    side: ErrorSide | undefined,
  ) {
    super(`Part ${partNumber}: ${mismatch} is ${actual}, expected ${expected}`, { rule, side });
    this.partNumber = partNumber;
    this.mismatch = mismatch;
    this.expected = expected;
    this.actual = actual;
  }
}

const MAX_LISTED_MISSING = 1000;

/**
 * Orders parts by ascending number and verifies them (see the file comment). Returns the sorted
 * parts and the file size. Throws `DuplicatePartError`, `MissingPartError`, `PartMismatchError`,
 * `PartLimitError` (number outside 1..maxParts, bad size, size limits) or `InvalidDigestError`
 * (an `md5` that is not 16 bytes).
 */
export async function reassemble<T extends ReassemblyPart>(
  parts: Iterable<T>,
  options: ReassembleOptions = {},
): Promise<Reassembled<T>> {
  const { limits, side } = options;
  const sorted = [...parts];
  for (const part of sorted) {
    if (!(Number.isSafeInteger(part.number) && part.number >= 1)) {
      throw new PartLimitError(`Part numbers start at 1, got ${String(part.number)}`, {
        limit: "maxParts",
        value: part.number,
        bound: limits?.maxParts,
        rule: limits?.rules?.maxParts,
        side,
      });
    }
    if (!isByteCount(part.size)) {
      throw new PartLimitError(
        `Part ${part.number} size must be a non-negative safe integer, got ${String(part.size)}`,
        {
          limit: "totalSize",
          value: part.size,
          side,
        },
      );
    }
    if (part.md5 !== undefined && part.md5.length !== 16) {
      throw new InvalidDigestError(
        `Part ${part.number} has a ${part.md5.length}-byte MD5; an MD5 is 16 bytes`,
        {
          rule: options.rules?.md5,
          side,
        },
      );
    }
  }
  sorted.sort((a, b) => a.number - b.number);

  const duplicates: number[] = [];
  for (let k = 1; k < sorted.length; k++) {
    const number = sorted[k]!.number;
    if (number === sorted[k - 1]!.number && duplicates.at(-1) !== number) duplicates.push(number);
  }
  if (duplicates.length > 0) throw new DuplicatePartError(duplicates, options.rules?.complete, side);

  const last = sorted.at(-1);
  if (last === undefined) throw new MissingPartError([1], 1, options.rules?.complete, side);
  if (options.contiguous === true && last.number !== sorted.length) {
    const missing: number[] = [];
    let expected = 1;
    for (const part of sorted) {
      for (; expected < part.number && missing.length < MAX_LISTED_MISSING; expected++)
        missing.push(expected);
      expected = part.number + 1;
    }
    throw new MissingPartError(missing, last.number - sorted.length, options.rules?.complete, side);
  }

  let totalSize = 0;
  for (const part of sorted) {
    if (limits !== undefined) {
      assertPartWithinLimits(part.size, { isFinal: part === last, partNumber: part.number, side }, limits);
    }
    totalSize += part.size;
    if (part.bytes !== undefined && part.bytes.length !== part.size) {
      throw new PartMismatchError(part.number, "size", part.size, part.bytes.length, undefined, side);
    }
  }
  if (limits !== undefined && totalSize > limits.maxTotalSize) {
    throw new PartLimitError(
      `The parts add up to ${totalSize} bytes, above the maximum of ${limits.maxTotalSize}`,
      {
        limit: "maxTotalSize",
        value: totalSize,
        bound: limits.maxTotalSize,
        rule: limits.rules?.maxTotalSize,
        side,
      },
    );
  }

  for (const part of sorted) {
    if (part.bytes === undefined || part.md5 === undefined) continue;
    const actual = toHex(await md5(part.bytes));
    const expected = toHex(part.md5);
    if (actual !== expected)
      throw new PartMismatchError(part.number, "md5", expected, actual, options.rules?.md5, side);
  }
  return { parts: sorted, totalSize };
}

/** Concatenates the bytes of parts already in order (as `reassemble` returns them). */
export function joinParts(sortedParts: readonly { readonly bytes: Uint8Array }[]): Uint8Array {
  let length = 0;
  for (const part of sortedParts) length += part.bytes.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of sortedParts) {
    out.set(part.bytes, at);
    at += part.bytes.length;
  }
  return out;
}
