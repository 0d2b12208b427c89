/**
 * Public parts API: limits, planning for files of known size, part sizes for streams, chunking
 * with per-part MD5, and reassembly checks.
 */

export {
  blobSource,
  type ChunkedPart,
  type ChunkStreamOptions,
  chunkSource,
  chunkStream,
  type PartRead,
  type RandomAccessSource,
  READ_SLICE_BYTES,
  type ReadPartOptions,
  readPart,
  ShortReadError,
} from "./chunk.ts";
export {
  DEFAULT_PART_SIZE,
  InvalidPartLimitsError,
  PartLimitError,
  type PartLimitName,
  type PartLimitRules,
  type PartLimits,
  validateLimits,
} from "./limits.ts";
export {
  assertPartWithinLimits,
  type PartCheck,
  type PlannedPart,
  type PlanOptions,
  planParts,
} from "./plan.ts";
export { createPartBufferPool, type PartBufferPool } from "./pool.ts";
export {
  DuplicatePartError,
  joinParts,
  MissingPartError,
  PartMismatchError,
  type Reassembled,
  type ReassembleOptions,
  type ReassemblyPart,
  reassemble,
} from "./reassemble.ts";
export { createPartSizer, type PartSizer, type PartSizerOptions } from "./sizer.ts";
