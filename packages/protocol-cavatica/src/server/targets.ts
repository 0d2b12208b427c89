/**
 * Projects and folders as targets of uploads and listings. "Every project on the Platform is
 * represented by a root folder which contains all the files associated with a particular project"
 * (https://sb-biodatacatalyst.readme.io/reference/create-a-folder): the reference server derives a
 * project's `root_folder` id from the project id, so a `parent` naming it means the project itself.
 * A `parent` naming a folder the server holds puts the file in that folder's project; any other
 * `parent` id is taken as a folder of its own (`folders/{id}`), as before folders existed.
 */
import { createHash } from "node:crypto";
import type { OwnerId } from "./auth.ts";
import { ownerOfTarget, type ServerContext } from "./context.ts";
import { badRequest, CavaticaApiError, Code } from "./errors.ts";
import { type FileDoc, type Target, targetKey } from "./state.ts";

/** The `root_folder` id of a project: 24 hex digits, as the platform's ids look. */
export function rootFolderId(project: string): string {
  return createHash("sha256")
    .update("partwise-cavatica-root-folder\n")
    .update(project)
    .digest("hex")
    .slice(0, 24);
}

/** The projects the server knows: fixed by the options or claimed by a first upload. */
function knownProjects(context: ServerContext): string[] {
  const fixed = [...context.fixedOwners.keys()]
    .filter((key) => key.startsWith(targetKey({ kind: "project", id: "" })))
    .map((key) => key.slice("project:".length));
  return [...fixed, ...context.state.claimedProjects()];
}

/** A folder the server holds, by id, or undefined. */
export function folderNamed(context: ServerContext, id: string): FileDoc | undefined {
  const file = context.state.file(id);
  return file?.type === "folder" ? file : undefined;
}

/**
 * The target a request names, resolved: a project's root folder is the project. A `parent` that
 * is a file, not a folder, is refused with 400 / 5022.
 */
export function resolveTarget(context: ServerContext, target: Target): Target {
  if (target.kind === "project") return target;
  const held = context.state.file(target.id);
  if (held !== undefined && held.type !== "folder")
    throw badRequest(Code.parentNotFolder, "The parent is not a folder", "CV-INIT-TARGET");
  if (held !== undefined) return target;
  const project = knownProjects(context).find((id) => rootFolderId(id) === target.id);
  return project === undefined ? target : { kind: "project", id: project };
}

/** The project a file in `target` belongs to. */
export function projectOf(context: ServerContext, target: Target): string {
  if (target.kind === "project") return target.id;
  return folderNamed(context, target.id)?.project ?? `folders/${target.id}`;
}

/**
 * The caller may write into `target`: its owner, or nobody's yet (then it becomes the caller's);
 * else 403 (3001 for a project, 5001 for a folder), as initUpload answers (CV-AUTH-ISOLATION).
 */
export async function claimTarget(context: ServerContext, owner: OwnerId, target: Target): Promise<void> {
  const targetOwner = ownerOfTarget(context, target) ?? (await context.state.claim(target, owner));
  if (targetOwner !== owner)
    throw target.kind === "project"
      ? new CavaticaApiError(
          403,
          Code.projectForbidden,
          "Insufficient privileges to access the requested project",
          "CV-AUTH-ISOLATION",
        )
      : new CavaticaApiError(
          403,
          Code.fileForbidden,
          "Insufficient privileges to access the requested parent folder",
          "CV-AUTH-ISOLATION",
        );
}
