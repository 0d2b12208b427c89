/**
 * YouForce File API limits as a client keeps them: a `multipart` upload is at most 100 MB
 * (YF-MULTIPART-MAX-SIZE); a `resumable` upload sends chunks of at most 9 MB, 4 MB recommended
 * (YF-RESUMABLE-CHUNK-SIZE); chunked uploads reach 10 GB (powershell/Release-Notes). Sources
 * disagree on MB (YF-SIZE-UNIT): a client sends at most the decimal figure, which every reading
 * accepts, while the reference server's default accepts the binary one (server/readings.ts). No
 * chunk count limit is documented; 10,000 positions bound the reference server's bookkeeping.
 */
import type { PartLimits } from "@partwise/engine";

/** Largest multipart/related upload, in bytes of file content. */
export const YOUFORCE_MULTIPART_MAX_SIZE = 100_000_000;

/** The .NET SDK's default chunk size (`ChunkMaxBytesSize`, 4 MiB). */
export const YOUFORCE_RECOMMENDED_CHUNK_SIZE = 4 * 1024 * 1024;

/** Resumable chunks: positions are parts; only the size maximum is documented. */
export const youforceResumableLimits: PartLimits = {
  minPartSize: 1,
  maxPartSize: 9_000_000,
  maxParts: 10_000,
  maxTotalSize: 10_000_000_000,
  rules: { maxPartSize: "YF-RESUMABLE-CHUNK-SIZE", maxTotalSize: "YF-RESUMABLE-CHUNK-SIZE" },
};
