/**
 * Editing and deleting files (specs/cavatica.yaml `updateFile`, `deleteFile`, `getFileMetadata`,
 * `replaceFileMetadata`, `patchFileMetadata`, `replaceFileTags`), as sevenbridges-python's
 * `File.save()` and `File.delete()` call them. Metadata keeps the documented limits
 * (CV-FILE-METADATA, https://docs.sevenbridges.com/reference/update-file-details); tags are
 * replaced as a whole (CV-FILE-TAGS). Every edit runs under the `names` lock, so a rename cannot
 * race a completion or another edit.
 */
import type { OwnerId } from "../auth.ts";
import { ignoreBody, isObject, NO_BODY, readJson } from "../body.ts";
import { isoSeconds, type OperationHandler, type ServerContext } from "../context.ts";
import { badRequest, Code, conflict } from "../errors.ts";
import { isValidFileName } from "../requests.ts";
import type { FileDoc } from "../state.ts";
import { fileOrFolderView } from "../views.ts";
import { findFile } from "./files.ts";

const MAX_FIELDS = 1000;
const MAX_KEY_BYTES = 100;
const MAX_VALUE_BYTES = 300;

const utf8Length = (text: string): number => Buffer.byteLength(text, "utf8");

const badMetadata = (message: string) => badRequest(Code.badRequest, message, "CV-FILE-METADATA");

/**
 * The metadata after applying `body`: replacing the set (`patch` false) or merging into it, where a
 * `null` value removes its key. Refuses anything but string values and the documented limits.
 */
function applyMetadata(
  current: Readonly<Record<string, string>>,
  body: unknown,
  patch: boolean,
): Record<string, string> {
  if (!isObject(body)) throw badMetadata("Metadata must be a JSON object of string values");
  const next: Record<string, string> = patch ? { ...current } : {};
  for (const [key, value] of Object.entries(body)) {
    if (key === "" || utf8Length(key) > MAX_KEY_BYTES)
      throw badMetadata(`A metadata key is 1 to ${MAX_KEY_BYTES} bytes of UTF-8`);
    if (value === null && patch) {
      delete next[key];
      continue;
    }
    if (typeof value !== "string")
      throw badMetadata(`Metadata value of ${JSON.stringify(key)} must be a string`);
    if (utf8Length(value) > MAX_VALUE_BYTES)
      throw badMetadata(`Metadata value of ${JSON.stringify(key)} exceeds ${MAX_VALUE_BYTES} bytes of UTF-8`);
    next[key] = value;
  }
  if (Object.keys(next).length > MAX_FIELDS)
    throw badMetadata(`A file holds at most ${MAX_FIELDS} metadata fields`);
  return next;
}

/** Tags from `[…]` (the docs' example, sevenbridges-python) or `{"tags": […]}` (the docs' cURL line). */
function parseTags(body: unknown): string[] {
  const list = isObject(body) ? body.tags : body;
  if (!Array.isArray(list) || !list.every((tag): tag is string => typeof tag === "string"))
    throw badRequest(
      Code.badRequest,
      'Tags must be a JSON array of strings, or {"tags": [...]}',
      "CV-FILE-TAGS",
    );
  return [...new Set(list)];
}

/** Runs `edit` on the caller's file under the `names` lock and stores what it returns. */
async function editFile(
  context: ServerContext,
  owner: OwnerId,
  fileId: string | undefined,
  edit: (file: FileDoc) => FileDoc,
): Promise<FileDoc> {
  findFile(context, owner, fileId);
  return context.state.locks.run("names", async () => {
    const file = findFile(context, owner, fileId);
    const next: FileDoc = { ...edit(file), modifiedOn: isoSeconds(context.now()) };
    await context.state.updateFile(next);
    return next;
  });
}

/**
 * PATCH /files/{file_id}: "updates the name, the full set metadata, and tags" — each given field is
 * replaced (sevenbridges-java `File.save()` sends the whole metadata map); answers the File.
 */
export const updateFile: OperationHandler = async (context, request, _url, params) => {
  const owner = context.auth.authenticate(request);
  const body = await readJson(request, "CV-INIT-NAME-CHARS", context.reading === "lenient");
  if (body !== NO_BODY && !isObject(body))
    throw badRequest(Code.badRequest, "The body must be a JSON object", "CV-INIT-NAME-CHARS");
  const fields = body === NO_BODY ? {} : body;
  const { name } = fields;
  if (name !== undefined && !isValidFileName(name))
    throw badRequest(Code.badRequest, 'A file name is 1 to 255 characters without "/"', "CV-INIT-NAME-CHARS");
  const tags = fields.tags === undefined ? undefined : parseTags(fields.tags);
  const updated = await editFile(context, owner, params.file_id, (file) => {
    if (name !== undefined && name !== file.name && context.state.fileNamed(file.target, name) !== undefined)
      throw conflict(Code.conflict, "An item of this name already exists here", "CV-INIT-OVERWRITE");
    return {
      ...file,
      ...(name === undefined ? {} : { name }),
      ...(fields.metadata === undefined ? {} : { metadata: applyMetadata({}, fields.metadata, false) }),
      ...(tags === undefined ? {} : { tags }),
    };
  });
  return Response.json(fileOrFolderView(updated, context.baseUrl(request)));
};

/** DELETE /files/{file_id}: 204; a folder must be empty (409 / 90007). */
export const deleteFile: OperationHandler = async (context, request, _url, params) => {
  const owner = context.auth.authenticate(request);
  await ignoreBody(request);
  findFile(context, owner, params.file_id);
  await context.state.locks.run("names", async () => {
    const file = findFile(context, owner, params.file_id);
    if (file.type === "folder" && context.state.filesIn({ kind: "parent", id: file.fileId }).length > 0)
      throw conflict(Code.conflict, "Only an empty folder can be deleted", "CV-AUTH-ISOLATION");
    await context.state.removeFile(file);
  });
  return new Response(null, { status: 204 });
};

/** GET /files/{file_id}/metadata. */
export const getFileMetadata: OperationHandler = async (context, request, _url, params) => {
  const owner = context.auth.authenticate(request);
  await ignoreBody(request);
  return Response.json({ ...findFile(context, owner, params.file_id).metadata });
};

const metadataEdit =
  (patch: boolean): OperationHandler =>
  async (context, request, _url, params) => {
    const owner = context.auth.authenticate(request);
    const body = await readJson(request, "CV-FILE-METADATA", context.reading === "lenient");
    const updated = await editFile(context, owner, params.file_id, (file) => ({
      ...file,
      metadata: applyMetadata(file.metadata ?? {}, body, patch),
    }));
    return Response.json({ ...updated.metadata });
  };

/** PUT /files/{file_id}/metadata: replaces the set. */
export const replaceFileMetadata: OperationHandler = metadataEdit(false);

/** PATCH /files/{file_id}/metadata: merges; `null` removes a key. */
export const patchFileMetadata: OperationHandler = metadataEdit(true);

/** PUT /files/{file_id}/tags: replaces the tags, answers them. */
export const replaceFileTags: OperationHandler = async (context, request, _url, params) => {
  const owner = context.auth.authenticate(request);
  const tags = parseTags(await readJson(request, "CV-FILE-TAGS", context.reading === "lenient"));
  const updated = await editFile(context, owner, params.file_id, (file) => ({ ...file, tags }));
  return Response.json([...(updated.tags ?? [])]);
};
