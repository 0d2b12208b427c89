/**
 * The File object as BaseSpace sends it [S0][S1]: the nine fields of the seed examples, `Href`s
 * relative to the origin (`v1pre3/files/7094087`), `Size` 0 until the upload is complete, `Path`
 * `directory/name` (basespace-python-sdk test/unit_tests.py), and `DateCreated` with seven
 * fractional digits (.NET ticks).
 */
import type { File } from "../generated/schemas.ts";
import { BASESPACE_BASE_PATH } from "./routes.ts";
import type { FileRecord } from "./state.ts";

const HREF_ROOT = BASESPACE_BASE_PATH.slice(1);

/** `2012-07-18T14:51:50.0475813Z`: ISO 8601 UTC with seven fractional digits. */
export function dotNetDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$10000Z");
}

export function pathOf(name: string, directory: string | null): string {
  return directory === null ? name : `${directory}/${name}`;
}

export function toFile(record: FileRecord): File {
  return {
    Id: record.id,
    Href: `${HREF_ROOT}/files/${record.id}`,
    HrefContent: `${HREF_ROOT}/files/${record.id}/content`,
    Name: record.name,
    ContentType: record.contentType,
    Size: record.uploadStatus === "complete" ? record.size : 0,
    Path: pathOf(record.name, record.directory),
    DateCreated: record.dateCreated,
    UploadStatus: record.uploadStatus,
  };
}
