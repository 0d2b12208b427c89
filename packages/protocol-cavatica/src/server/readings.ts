/**
 * The CAVATICA server's readings of the points its documents leave open (`reading` option):
 * `default`, `lenient` (accepts everything the documents do not forbid) and `strict` (refuses
 * everything the documents allow a server to refuse, and takes the other answer where they leave a
 * choice). The README ("Readings") lists every point where they differ, and each point is decided
 * in one place (`context.reading`). `contradicts` names the `should` rules (inferences) that a
 * reading legitimately breaks; no reading breaks a `must` rule.
 */
import type { ReadingCatalogue } from "@partwise/node";

export const CAVATICA_READINGS = {
  lenient: {
    contradicts: {
      "CV-REPORT-ETAG":
        "it does not compare reported ETags with the stored parts (whether the platform does is undocumented)",
      "CV-COMPLETE-MISSING":
        "it completes from the reported parts alone, with gaps and without stored parts never reported (the complete page states no refusal; S3 completes from the listed parts)",
      "CV-COMPLETE-MIN-SIZE":
        "it sets no minimum part size (no document states one; 5 MiB is the SDKs' and S3's)",
      "CV-PART-NUMBER-MAX": "it sets no maximum part number (no document states 10,000)",
      "CV-MAX-FILE-SIZE":
        "it sets no maximum `size` at init (the documents call `size` optional, for progress)",
    },
  },
  strict: {
    contradicts: {
      "CV-BOOLEAN-QUERY":
        'it takes only the documented `true` and `false` for `overwrite` and `list_parts` ("Boolean: true or false"), not sevenbridges-python\'s `True`',
    },
  },
} as const satisfies ReadingCatalogue;
