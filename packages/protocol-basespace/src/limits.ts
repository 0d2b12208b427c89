/**
 * BaseSpace part rules [S1]: parts numbered 1 to 10000, every part but the last at least 5 MB,
 * no part over 25 MB. The documents do not say whether MB means 10^6 or 2^20 bytes, so:
 * - clients plan with the intersection of both readings (5 MiB ≤ part ≤ 25,000,000 bytes), which
 *   any server accepts;
 * - the reference server enforces the union a real client relies on: the Python SDK sends parts up
 *   to 25 MiB (26,214,400 bytes), and every SDK keeps non-final parts at or above 5 MiB.
 * Rule ids: BS-PART-NUMBER, BS-PART-MIN-SIZE, BS-PART-MAX-SIZE (specs/rules.yaml).
 */
import type { PartLimits } from "@partwise/engine";

const MiB = 1024 * 1024;
const rules = {
  minPartSize: "BS-PART-MIN-SIZE",
  maxPartSize: "BS-PART-MAX-SIZE",
  maxParts: "BS-PART-NUMBER",
} as const;

/** What an uploader plans with: valid under either reading of "MB". */
export const basespaceLimits: PartLimits = {
  minPartSize: 5 * MiB,
  maxPartSize: 25_000_000,
  maxParts: 10_000,
  maxTotalSize: 10_000 * 25_000_000,
  rules,
};

/** What the reference server enforces: the most lenient reading a real client relies on. */
export const basespaceServerLimits: PartLimits = {
  minPartSize: 5 * MiB,
  maxPartSize: 25 * MiB,
  maxParts: 10_000,
  maxTotalSize: 10_000 * 25 * MiB,
  rules,
};

/** Files up to this size go through the simple POST, as the Python SDK does; larger ones use multipart. */
export const BASESPACE_SIMPLE_UPLOAD_MAX = 25_000_000;
