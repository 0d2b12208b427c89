/**
 * `multipart/related` (RFC 2046 §5.1, RFC 2387): boundaries, `Content-Type`, the encoder, the
 * sans-I/O parser and its streaming adapter. `search.ts` and `boundary-guard.ts` are internal.
 */

export { createBoundary, MAX_BOUNDARY_LENGTH, validateBoundary } from "./boundary.ts";
export type { RelatedContentType } from "./content-type.ts";
export { parseContentType } from "./content-type.ts";
export type { EncodedRelated, EncodeRelatedOptions, RelatedBody, RelatedPartInput } from "./encode.ts";
export { encodeRelated } from "./encode.ts";
export type { BoundaryRule, RelatedParseError } from "./errors.ts";
export {
  BodySizeLimitError,
  BoundaryError,
  BoundaryInContentError,
  ContentTypeError,
  HeaderSizeLimitError,
  MalformedDelimiterError,
  MissingCloseDelimiterError,
  MissingDelimiterError,
  ParserClosedError,
  PartHeadersError,
  PartSizeLimitError,
  PartSkippedError,
  PartsLimitError,
  RelatedConfigError,
  RelatedRootError,
  RelatedTypeError,
} from "./errors.ts";
export type { RelatedParseOptions, RelatedPart } from "./parse.ts";
export { parseRelated } from "./parse.ts";
export type { RelatedLimits, RelatedParser, RelatedParserCallbacks, RelatedParserConfig } from "./parser.ts";
export { createRelatedParser, DEFAULT_MAX_HEADER_SIZE } from "./parser.ts";
