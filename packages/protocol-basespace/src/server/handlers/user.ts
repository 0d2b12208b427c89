/**
 * `GET users/{id}` (getUser): the User the access token acts for, which the SDKs ask for first
 * (basespace-python-sdk `getUserById('current')`, basespace-java-sdk `getCurrentUser`). Fields are
 * the SDK models' (Python model/User.py, Java entity/User.java).
 *
 * The reference server knows a user only through its token: the id is numeric text derived from
 * the token's digest (stable across restarts, revealing nothing of the token); `current` and that
 * id name the caller, any other id is 404.
 */
import type { User } from "../../generated/schemas.ts";
import type { IdentityId } from "../auth.ts";
import type { RequestContext, ServerContext } from "../context.ts";
import { envelope, refuse } from "../errors.ts";
import { BASESPACE_BASE_PATH } from "../routes.ts";
import { dotNetDate } from "../view.ts";

const HREF_ROOT = BASESPACE_BASE_PATH.slice(1);

/** A BaseSpace-looking user id (seven to ten digits) for an identity. */
export function userIdOf(identity: IdentityId): string {
  return String(1_000_000 + (Number.parseInt(identity.slice(0, 12), 16) % 9_000_000_000));
}

export function getUser(ctx: ServerContext, rctx: RequestContext): Response {
  const id = userIdOf(rctx.identity);
  const asked = rctx.params.userId ?? "";
  if (asked.toLowerCase() !== "current" && asked !== id) refuse(404, "User not found");
  const href = `${HREF_ROOT}/users/${id}`;
  const user: User = {
    Id: id,
    Href: href,
    Name: `Partwise user ${id}`,
    Email: `user-${id}@example.invalid`,
    // The reference server keeps no account history: the user exists since the epoch.
    DateCreated: dotNetDate(0),
    DateLastActive: dotNetDate(ctx.now()),
    GravatarUrl: "",
    HrefProjects: `${href}/projects`,
    HrefRuns: `${href}/runs`,
  };
  return envelope(user);
}
