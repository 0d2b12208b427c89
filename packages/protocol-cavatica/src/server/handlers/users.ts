/**
 * The caller's account (specs/cavatica.yaml tag `Users`): `GET /user`
 * (https://docs.sevenbridges.com/reference/get-my-information) and `GET /users/{username}`, which
 * "is equivalent to the call to Get my information" for one's own username. sevenbridges-java asks
 * for the user before every upload and then follows its `href`.
 *
 * The reference server has no accounts: each token is its own user (CV-AUTH-ISOLATION), named after
 * the token's owner id, never after the token.
 */
import type { User } from "../../generated/schemas.ts";
import type { OwnerId } from "../auth.ts";
import { ignoreBody } from "../body.ts";
import type { OperationHandler } from "../context.ts";
import { CavaticaApiError, Code } from "../errors.ts";

/** The username of an owner: `partwise-` and 12 hex digits of its SHA-256 owner id. */
export function usernameOf(owner: OwnerId): string {
  return `partwise-${owner.slice(0, 12)}`;
}

function userView(owner: OwnerId, base: string): User {
  const username = usernameOf(owner);
  return {
    href: `${base}/users/${username}`,
    username,
    email: "",
    first_name: "",
    last_name: "",
    affiliation: "",
    phone: "",
    address: "",
    city: "",
    state: "",
    country: "",
    zip_code: "",
  };
}

/** GET /user (also `/user/`, as sevenbridges2 sends it). */
export const getUser: OperationHandler = async (context, request) => {
  const owner = context.auth.authenticate(request);
  await ignoreBody(request);
  return Response.json(userView(owner, context.baseUrl(request)));
};

/** GET /users/{username}: one's own only; any other name is 403 / 90002, known or not. */
export const getUserByName: OperationHandler = async (context, request, _url, params) => {
  const owner = context.auth.authenticate(request);
  await ignoreBody(request);
  if (params.username !== usernameOf(owner))
    throw new CavaticaApiError(
      403,
      Code.forbidden,
      "Only your own user information can be read",
      "CV-AUTH-ISOLATION",
    );
  return Response.json(userView(owner, context.baseUrl(request)));
};
