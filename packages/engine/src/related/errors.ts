/**
 * Errors of the `multipart/related` codec (RFC 2046 §5.1, RFC 2387), in the style of undici's errors.
 *
 * One class per failure condition, each with a stable literal `code` and the id of the
 * `specs/rules.yaml` rule it breaks in `rule`. After h11, `side` says whose fault it is: the
 * encoder's errors are `local` (the caller handed over parts that cannot be framed), the parser's
 * are `remote` (the peer sent a body the RFC forbids, or more than the configured limits allow).
 * The parser reports its errors as values through `onError`, never by throwing; the union
 * `RelatedParseError` lists every one, discriminated by `code`.
 */

import type { ErrorSide } from "../errors.ts";
import { PartwiseError } from "../errors.ts";

/** The rule ids a boundary can break (RFC 2046 §5.1.1 `boundary := 0*69<bchars> bcharsnospace`). */
export type BoundaryRule = "MIME-BOUNDARY-LENGTH" | "MIME-BOUNDARY-CHARS" | "MIME-BOUNDARY-TRAILING-SPACE";

/** A boundary is not 1–70 `bchars` ending in a non-space. */
export class BoundaryError extends PartwiseError {
  readonly code = "PW_MIME_BOUNDARY" as const;
  declare readonly rule: BoundaryRule;

  constructor(message: string, rule: BoundaryRule, side: ErrorSide = "local") {
    super(message, { rule, side });
  }
}

/** A `Content-Type` is not `multipart/*` with a `boundary` parameter, or cannot be parsed (RFC 2045 §5.1). */
export class ContentTypeError extends PartwiseError {
  readonly code = "PW_MIME_CONTENT_TYPE" as const;

  constructor(message: string, side: ErrorSide = "remote") {
    super(message, { rule: "MIME-CONTENT-TYPE", side });
  }
}

/**
 * RFC 2387 §3.1: the `type` parameter is not a `type/subtype` media type, or differs from the root
 * part's own `Content-Type`.
 */
export class RelatedTypeError extends PartwiseError {
  readonly code = "PW_MIME_RELATED_TYPE" as const;

  constructor(message: string) {
    super(message, { rule: "MIME-RELATED-TYPE", side: "local" });
  }
}

/** RFC 2387 §3.2: the `start` parameter names no part's `Content-ID`, so there is no root part. */
export class RelatedRootError extends PartwiseError {
  readonly code = "PW_MIME_RELATED_ROOT" as const;

  constructor(message: string) {
    super(message, { rule: "MIME-RELATED-ROOT", side: "local" });
  }
}

/**
 * The encoder found the delimiter in a part (RFC 2046 §5.1.1: "the boundary delimiter MUST NOT
 * appear inside any of the encapsulated parts"). Byte parts are checked before anything is sent;
 * a streamed part errors the body stream before the colliding chunk is emitted.
 */
export class BoundaryInContentError extends PartwiseError {
  readonly code = "PW_MIME_BOUNDARY_IN_CONTENT" as const;
  /** Zero-based index of the part whose headers or body hold the boundary. */
  readonly partIndex: number;

  constructor(partIndex: number, where: "body" | "headers") {
    super(`Part ${partIndex} has the boundary at the start of a line in its ${where}`, {
      rule: "MIME-BOUNDARY-IN-CONTENT",
      side: "local",
    });
    this.partIndex = partIndex;
  }
}

/**
 * The body holds no delimiter line that opens a body part: no `--boundary` at the start of a line,
 * or a close delimiter before any part (RFC 2046 §5.1.1 requires one part at least).
 */
export class MissingDelimiterError extends PartwiseError {
  readonly code = "PW_MIME_NO_DELIMITER" as const;

  constructor(message: string) {
    super(message, { rule: "MIME-DELIMITER-LINE-START", side: "remote" });
  }
}

/**
 * A delimiter line goes on with something other than transport padding and CRLF, or a close
 * delimiter with something other than padding and `CRLF epilogue` (RFC 2046 §5.1.1). By the RFC's
 * matching rule ("it is sufficient that the boundary appear in its entirety following the CRLF")
 * such a line is a delimiter, so it cannot be taken for content either.
 */
export class MalformedDelimiterError extends PartwiseError {
  readonly code = "PW_MIME_DELIMITER" as const;

  constructor(message: string) {
    super(message, { rule: "MIME-TRANSPORT-PADDING", side: "remote" });
  }
}

/** The input ended before the close delimiter `--boundary--` (RFC 2046 §5.1.1). */
export class MissingCloseDelimiterError extends PartwiseError {
  readonly code = "PW_MIME_CLOSE_DELIMITER" as const;

  constructor(message: string) {
    super(message, { rule: "MIME-CLOSE-DELIMITER", side: "remote" });
  }
}

/**
 * A part's header section is malformed or truncated (RFC 2046 §5.1.1 `MIME-part-headers`, fields as
 * RFC 5322 §2.2). The encoder raises it too, as a `local` error, for a header it cannot send.
 */
export class PartHeadersError extends PartwiseError {
  readonly code = "PW_MIME_PART_HEADERS" as const;

  constructor(message: string, side: ErrorSide = "remote") {
    super(message, { rule: "MIME-PART-HEADERS", side });
  }
}

/** A part's header section is larger than `maxHeaderSize`. */
export class HeaderSizeLimitError extends PartwiseError {
  readonly code = "PW_MIME_LIMIT_HEADER_SIZE" as const;
  readonly limit: number;

  constructor(limit: number, partIndex: number) {
    super(`The header section of part ${partIndex} is larger than maxHeaderSize (${limit} bytes)`, {
      rule: "MIME-LIMIT-HEADER-SIZE",
      side: "remote",
    });
    this.limit = limit;
  }
}

/** The body has more parts than `maxParts`. */
export class PartsLimitError extends PartwiseError {
  readonly code = "PW_MIME_LIMIT_PARTS" as const;
  readonly limit: number;

  constructor(limit: number) {
    super(`The body has more than maxParts (${limit}) parts`, { rule: "MIME-LIMIT-PARTS", side: "remote" });
    this.limit = limit;
  }
}

/** The body (preamble and epilogue included) is larger than `maxBodySize`. */
export class BodySizeLimitError extends PartwiseError {
  readonly code = "PW_MIME_LIMIT_BODY_SIZE" as const;
  readonly limit: number;

  constructor(limit: number) {
    super(`The body is larger than maxBodySize (${limit} bytes)`, {
      rule: "MIME-LIMIT-BODY-SIZE",
      side: "remote",
    });
    this.limit = limit;
  }
}

/** One part's content is larger than `maxPartSize`. */
export class PartSizeLimitError extends PartwiseError {
  readonly code = "PW_MIME_LIMIT_PART_SIZE" as const;
  readonly limit: number;

  constructor(limit: number, partIndex: number) {
    super(`The content of part ${partIndex} is larger than maxPartSize (${limit} bytes)`, {
      rule: "MIME-LIMIT-PART-SIZE",
      side: "remote",
    });
    this.limit = limit;
  }
}

/** Every error the parser reports through `onError`; match on `code`. */
export type RelatedParseError =
  | MissingDelimiterError
  | MalformedDelimiterError
  | MissingCloseDelimiterError
  | PartHeadersError
  | HeaderSizeLimitError
  | PartsLimitError
  | BodySizeLimitError
  | PartSizeLimitError;

/** A parser option is not a non-negative integer (or `Infinity` for "no limit"). */
export class RelatedConfigError extends PartwiseError {
  readonly code = "PW_MIME_CONFIG" as const;

  constructor(message: string) {
    super(message, { side: "local" });
  }
}

/** `write` or `end` was called on a parser that already ended. */
export class ParserClosedError extends PartwiseError {
  readonly code = "PW_MIME_PARSER_CLOSED" as const;

  constructor(call: "write" | "end") {
    super(`${call}() after end(): the multipart/related parser has finished`, { side: "local" });
  }
}

/**
 * A part's body was read after `parseRelated` moved past it: the consumer asked for the next part
 * (which drains the unread rest of this one), or closed the parts iteration.
 */
export class PartSkippedError extends PartwiseError {
  readonly code = "PW_MIME_PART_SKIPPED" as const;
  readonly partIndex: number;

  constructor(partIndex: number) {
    super(
      `The body of part ${partIndex} is gone: the next part was requested (or the iteration closed) before it was read`,
      { side: "local" },
    );
    this.partIndex = partIndex;
  }
}
