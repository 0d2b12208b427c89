/**
 * The response bodies of specs/cavatica.yaml, built from the stored documents: `MultipartUpload`,
 * `UploadListItem`, `UploadDetails`, `PartReport` and `File`. Field names are the platform's.
 */
import type {
  File,
  Folder,
  MultipartUpload,
  PartReport,
  UploadDetails,
  UploadListItem,
} from "../generated/schemas.ts";
import type { FileDoc, PartDoc, UploadDoc, UploadEntry } from "./state.ts";

/** The upload's API URL, which sevenbridges-java navigates by. */
export function uploadHref(base: string, uploadId: string): string {
  return `${base}/upload/multipart/${uploadId}`;
}

export function multipartUploadView(doc: UploadDoc, base: string): MultipartUpload {
  return {
    href: uploadHref(base, doc.uploadId),
    project: doc.project,
    ...(doc.parent === undefined ? {} : { parent: doc.parent }),
    name: doc.name,
    ...(doc.size === undefined ? {} : { size: doc.size }),
    upload_id: doc.uploadId,
    part_size: doc.partSize,
    parallel_uploads: true,
    initiated: doc.initiated,
    ...(doc.md5 === undefined ? {} : { md5: doc.md5 }),
  };
}

export function uploadListItemView(doc: UploadDoc, base: string): UploadListItem {
  return {
    href: uploadHref(base, doc.uploadId),
    project: doc.project,
    ...(doc.parent === undefined ? {} : { parent: doc.parent }),
    name: doc.name,
    initiated: doc.initiated,
    upload_id: doc.uploadId,
  };
}

/** A recorded report, as reported (CV-LIST-PARTS: the headers of the last report). */
export function partReportView(part: PartDoc): PartReport | undefined {
  if (part.report === undefined) return undefined;
  return {
    part_number: part.partNumber,
    response: {
      headers: { ...part.report.headers },
      ...(part.report.body === undefined ? {} : { body: { ...part.report.body } }),
    },
  };
}

/**
 * The order of listed parts: ascending numbers (CV-LIST-PARTS-ORDER), or, for its mutants, the
 * order of the reports or the numbers sorted as text.
 */
export type ListOrder = "numeric" | "reported" | "text";

const ORDERS: Record<ListOrder, (a: PartDoc, b: PartDoc) => number> = {
  numeric: (a, b) => a.partNumber - b.partNumber,
  reported: (a, b) => (a.report?.seq ?? 0) - (b.report?.seq ?? 0),
  text: (a, b) => String(a.partNumber).localeCompare(String(b.partNumber)),
};

/** The reported parts, ascending by part number (CV-LIST-PARTS, CV-LIST-PARTS-ORDER). */
export function reportedParts(entry: UploadEntry, order: ListOrder = "numeric"): PartReport[] {
  return [...entry.parts.values()]
    .sort(ORDERS[order])
    .map(partReportView)
    .filter((report): report is PartReport => report !== undefined);
}

export interface DetailsOptions {
  readonly order?: ListOrder | undefined;
  /** The CV-LIST-PARTS mutant: `uploaded_parts_count` counts stored parts, reported or not. */
  readonly countStored?: boolean | undefined;
}

export function uploadDetailsView(
  entry: UploadEntry,
  base: string,
  listParts: boolean,
  options: DetailsOptions = {},
): UploadDetails {
  const doc = entry.doc;
  const parts = reportedParts(entry, options.order);
  return {
    href: uploadHref(base, doc.uploadId),
    upload_id: doc.uploadId,
    project: doc.project,
    ...(doc.parent === undefined ? {} : { parent: doc.parent }),
    name: doc.name,
    initiated: doc.initiated,
    parallel_uploads: true,
    part_size: doc.partSize,
    uploaded_parts_count: options.countStored ? entry.parts.size : parts.length,
    ...(listParts ? { parts } : {}),
  };
}

export function fileView(file: FileDoc, base: string): File {
  const folder = file.parent === undefined ? `/Projects/${file.project}` : `/Folders/${file.parent}`;
  return {
    href: `${base}/files/${file.fileId}`,
    id: file.fileId,
    name: file.name,
    size: file.size,
    project: file.project,
    ...(file.parent === undefined ? {} : { parent: file.parent }),
    path: `${folder}/${file.name}`,
    type: "file",
    created_on: file.createdOn,
    modified_on: file.modifiedOn ?? file.createdOn,
    metadata: { ...file.metadata },
    tags: [...(file.tags ?? [])],
  };
}

/** A folder (https://docs.sevenbridges.com/reference/list-folder-contents): no size, type `folder`. */
export function folderView(folder: FileDoc, base: string): Folder {
  return {
    href: `${base}/files/${folder.fileId}`,
    id: folder.fileId,
    name: folder.name,
    project: folder.project,
    ...(folder.parent === undefined ? {} : { parent: folder.parent }),
    type: "folder",
    created_on: folder.createdOn,
    modified_on: folder.modifiedOn ?? folder.createdOn,
  };
}

/** A file or a folder, as `GET /files` and `GET /files/{id}` answer it. */
export function fileOrFolderView(file: FileDoc, base: string): File | Folder {
  return file.type === "folder" ? folderView(file, base) : fileView(file, base);
}
