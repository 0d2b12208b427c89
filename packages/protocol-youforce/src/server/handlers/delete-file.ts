/**
 * `DELETE /files/{fileId}?role=subscriber` (operation `deleteFile`; guides_delete_file.html, SDK
 * `SetFileToDeletedAsync`): **204**, and the file is marked deleted for this subscriber only
 * (YF-DELETE), so it leaves that subscriber's default listing; the publisher and other subscribers
 * are unaffected. Deleting again answers 204 (idempotent; 404 in the strict reading). `role=publisher` is refused with 403
 * (only the subscriber role is documented); files the caller cannot reach answer 404
 * (YF-AUTH-ISOLATION). Without `role` the subscriber role applies (the strict reading requires it).
 */
import { type HandlerContext, queryParam } from "../context.ts";
import { refuse } from "../errors.ts";
import { reachableFile } from "./download-file.ts";
import { parseRole } from "./role.ts";

export async function deleteFile(ctx: HandlerContext, fileId: string): Promise<Response> {
  const { reading } = ctx.config;
  const role = parseRole(queryParam(ctx.url, "role"), reading.requireRole ? undefined : "subscriber");
  if (role === "publisher") refuse(403, "Only a subscriber deletes files: use role=subscriber", "YF-DELETE");
  const { doc } = reachableFile(ctx, fileId, "subscriber", "DELETE");
  if (doc.marks[ctx.identity.id]?.deleted && reading.deleteAgainStatus === 404)
    refuse(404, `File ${doc.id} is already deleted for this subscriber`, "YF-DELETE");
  const at = new Date(ctx.config.now()).toISOString();
  const id = ctx.identity.id;
  const { mutations } = ctx.config;
  // Mutation YF-DELETE: the delete is answered but not recorded.
  if (mutations.has("YF-DELETE")) return new Response(null, { status: 204 });
  // Mutation YF-DELETE:for-everyone: the file is removed, not marked for this subscriber.
  if (mutations.has("YF-DELETE:for-everyone"))
    await ctx.state.updateFile(doc.id, (current) => ({ ...current, owner: "deleted" }));
  await ctx.state.updateFile(doc.id, (current) => {
    const mark = current.marks[id];
    // Mutation YF-DELETE:twice: a second delete clears the mark again.
    if (mark?.deleted && mutations.has("YF-DELETE:twice"))
      return {
        ...current,
        marks: { ...current.marks, [id]: { ...mark, deleted: false, deletedDate: null } },
      };
    if (mark?.deleted) return current;
    return {
      ...current,
      marks: {
        ...current.marks,
        [id]: {
          downloaded: mark?.downloaded ?? false,
          lastDownloadDate: mark?.lastDownloadDate ?? null,
          deleted: true,
          deletedDate: at,
        },
      },
    };
  });
  return new Response(null, { status: 204 });
}
