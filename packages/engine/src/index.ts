/**
 * @partwise/engine — the pure core: no network, no file system, no timers and no randomness of
 * its own. Node-only code sits behind the `node` condition of the internal `#md5` import.
 */
export * from "./errors.ts";
export * from "./hash/index.ts";
export * from "./parts/index.ts";
export * from "./related/index.ts";
export * from "./schema/index.ts";
export * from "./session/index.ts";
