/**
 * What every handler gets: the state, the resolved configuration and the caller. Kept free of
 * Node specifics so handlers read as the protocol, not as plumbing.
 */
import type { Identity } from "./auth.ts";
import type { YouforceMutation } from "./mutations.ts";
import type { ReadingPoints } from "./readings.ts";
import type { FileDoc, YouforceState } from "./state.ts";

export interface ServerConfig {
  /** YF-MULTIPART-MAX-SIZE: most bytes of file content in one multipart upload. */
  readonly multipartMaxSize: number;
  /** YF-RESUMABLE-CHUNK-SIZE: most bytes of one resumable chunk (chunk 0 included). */
  readonly chunkMaxSize: number;
  /** Most positions of a resumable upload (0 … maxChunks-1). */
  readonly maxChunks: number;
  /** Most bytes of a resumable upload, all chunks together (10 GB, powershell/Release-Notes). */
  readonly maxTotalSize: number;
  /** MIME-LIMIT-PART-SIZE for the metadata part. */
  readonly metadataMaxSize: number;
  /** MIME-LIMIT-HEADER-SIZE per part. */
  readonly headerMaxSize: number;
  /** YF-NAME-EXTENSION: lower-case extensions without the dot. */
  readonly deniedExtensions: ReadonlySet<string>;
  readonly now: () => number;
  /** How the server reads the points the documents leave open (readings.ts). */
  readonly reading: ReadingPoints;
  /** Rules broken on purpose, for testing conformance suites only (mutations.ts); empty normally. */
  readonly mutations: ReadonlySet<YouforceMutation>;
}

export interface HandlerContext {
  readonly state: YouforceState;
  readonly config: ServerConfig;
  readonly identity: Identity;
  readonly url: URL;
  readonly request: Request;
}

/** The [S4] `File` shape of a stored file (YF-CREATED). */
export function fileResource(doc: FileDoc): {
  id: string;
  name: string;
  size: number;
  creationDate: string;
  tenantId: string;
  businessType: { id: number; name: string };
  numChunks: number;
} {
  return {
    id: doc.id,
    name: doc.name,
    size: doc.size,
    creationDate: doc.creationDate,
    tenantId: doc.tenantId,
    businessType: businessType(doc.businessTypeId),
    numChunks: doc.numChunks,
  };
}

/** A business type as nested in answers; the sandbox names 7100 "7100" [S4]. */
export function businessType(id: number): { id: number; name: string } {
  return { id, name: String(id) };
}

/** A query parameter by name, matched case-insensitively (`$orderby`, `UploadType` …). */
export function queryParam(url: URL, name: string): string | null {
  const exact = url.searchParams.get(name);
  if (exact !== null) return exact;
  const lower = name.toLowerCase();
  for (const [key, value] of url.searchParams) if (key.toLowerCase() === lower) return value;
  return null;
}
