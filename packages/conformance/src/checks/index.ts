/**
 * Every conformance check of the suite, one per rule id of specs/rules.yaml. Each protocol's checks
 * live in their own folder; MIME-* rules are checked through YouForce's `multipart/related`
 * upload, so they are among `youforceChecks` (with `protocol: "youforce"`).
 */
import type { Check, Need } from "../check.ts";
import { basespaceChecks } from "./basespace/index.ts";
import { cavaticaChecks } from "./cavatica/index.ts";
import { youforceChecks } from "./youforce/index.ts";

export { basespaceChecks, cavaticaChecks, youforceChecks };

/**
 * What each check needs of a real target beyond its token (`--list` shows it): a second identity
 * (the check is skipped without one), several MiB of uploads (measured: more than 4 MB sent in one
 * run against the reference servers, or a streamed body of that size), or waiting for the server's
 * clock. Checks not listed need nothing else.
 */
export const NEEDS: Readonly<Record<string, readonly Need[]>> = {
  "BS-AUTH-ISOLATION": ["second-token"],
  "BS-AUTH-ISOLATION-READ": ["second-token"],
  "CV-AUTH-ISOLATION": ["second-token"],
  "YF-AUTH-ISOLATION": ["second-token"],
  "BS-PART-MIN-SIZE": ["data"],
  "BS-PART-MAX-SIZE": ["data"],
  "BS-PART-MD5": ["data"],
  "BS-PART-ETAG": ["data"],
  "BS-PART-REPLACE": ["data"],
  "BS-PART-ANY-ORDER": ["data"],
  "BS-COMPLETE-ORDER": ["data"],
  "BS-COMPLETE-STATUS": ["data"],
  "CV-STORAGE-ETAG": ["data"],
  "CV-COMPLETE-MISSING": ["data"],
  "CV-COMPLETE-MIN-SIZE": ["data"],
  "CV-COMPLETE-ORDER": ["data"],
  "YF-RESUMABLE-CHUNK-SIZE": ["data"],
  "YF-RESUMABLE-CHUNK-LIMIT": ["data"],
  "YF-SIZE-UNIT": ["data"],
  "YF-MULTIPART-MAX-SIZE": ["data"],
  "MIME-LIMIT-BODY-SIZE": ["data"],
  "CV-PART-URL-EXPIRY": ["waiting"],
  "YF-RATE-LIMIT": ["waiting"],
};

export const ALL_CHECKS: readonly Check[] = [...basespaceChecks, ...cavaticaChecks, ...youforceChecks].map(
  (check) => (NEEDS[check.id] && check.needs === undefined ? { ...check, needs: NEEDS[check.id] } : check),
);
