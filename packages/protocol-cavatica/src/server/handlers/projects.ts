/**
 * Projects (specs/cavatica.yaml `getProject`, https://docs.sevenbridges.com/reference/get-project-details).
 * The reference server has no project registry: a project exists once named and belongs to the
 * first token that uploads into it, or to the token the options give it; another token's project
 * is 403 / 3001, as initUpload answers (CV-AUTH-ISOLATION).
 */
import type { Project } from "../../generated/schemas.ts";
import { ignoreBody } from "../body.ts";
import { type OperationHandler, ownerOfTarget } from "../context.ts";
import { CavaticaApiError, Code } from "../errors.ts";
import { rootFolderId } from "../targets.ts";
import { usernameOf } from "./users.ts";

/** A path segment decoded; a malformed escape is 404 / 90003, as an unknown path. */
function decoded(segment: string | undefined): string {
  try {
    return decodeURIComponent(segment ?? "");
  } catch {
    throw new CavaticaApiError(404, Code.notFound, "Not found", "CV-ERROR-ENVELOPE");
  }
}

/** GET /projects/{owner}/{project}. */
export const getProject: OperationHandler = async (context, request, _url, params) => {
  const caller = context.auth.authenticate(request);
  await ignoreBody(request);
  const projectOwner = decoded(params.owner);
  const name = decoded(params.project);
  const id = `${projectOwner}/${name}`;
  const owner = ownerOfTarget(context, { kind: "project", id });
  if (owner !== undefined && owner !== caller)
    throw new CavaticaApiError(
      403,
      Code.projectForbidden,
      "Insufficient privileges to access the requested project",
      "CV-AUTH-ISOLATION",
    );
  const project: Project = {
    href: `${context.baseUrl(request)}/projects/${params.owner}/${params.project}`,
    id,
    name,
    type: "v2",
    description: "",
    tags: [],
    root_folder: rootFolderId(id),
    created_by: usernameOf(owner ?? caller),
  };
  return Response.json(project);
};
