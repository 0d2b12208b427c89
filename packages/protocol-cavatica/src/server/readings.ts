/**
 * The CAVATICA server's readings of the points its documents leave open (`reading` option):
 * `default`, `lenient` (accepts everything the documents do not forbid) and `strict` (refuses
 * everything the documents allow a server to refuse, and takes the other answer where they leave a
 * choice). The README lists every point where they differ. `contradicts` names the `should` rules
 * (inferences) that a reading legitimately breaks; no reading breaks a `must` rule.
 */
import type { ReadingCatalogue } from "@partwise/node";

export const CAVATICA_READINGS = {
  lenient: { contradicts: {} },
  strict: { contradicts: {} },
} as const satisfies ReadingCatalogue;
