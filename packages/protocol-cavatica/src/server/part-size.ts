/**
 * The authoritative `part_size` of `initUpload` (CV-PART-SIZE; spec `initUpload`): a preference is
 * never refused, it is replaced when the storage provider could not use it.
 *
 * - `size` known: keep the requested value when it lies in [min, max] and fits the file in
 *   `maxParts` parts; otherwise max(min, ceil(size / maxParts)) — 5242880, the docs' example value,
 *   for files up to 50 GiB.
 * - `size` unknown: the requested value clamped to [min, max], or the SDKs' recommended 32 MiB
 *   (sevenbridges-python `UPLOAD_RECOMMENDED_SIZE`) when none was requested.
 */
import type { PartLimits } from "@partwise/engine";
import { CAVATICA_RECOMMENDED_PART_SIZE } from "../limits.ts";

export function choosePartSize(
  limits: PartLimits,
  size: number | undefined,
  requested: number | undefined,
  /** The CV-PART-SIZE mutant: for a known size, ceil(size / maxParts) without the minimum. */
  noFloor = false,
): number {
  const min = Math.max(1, limits.minPartSize);
  const max = limits.maxPartSize;
  if (size === undefined) {
    const preferred = requested ?? CAVATICA_RECOMMENDED_PART_SIZE;
    return Math.min(max, Math.max(min, preferred));
  }
  if (
    requested !== undefined &&
    requested >= min &&
    requested <= max &&
    Math.ceil(size / requested) <= limits.maxParts
  )
    return requested;
  if (noFloor) return Math.max(1, Math.ceil(size / limits.maxParts));
  return Math.min(max, Math.max(min, Math.ceil(size / limits.maxParts)));
}
