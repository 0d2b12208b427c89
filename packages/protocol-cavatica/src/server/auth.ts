/**
 * Authentication (CV-AUTH): every API call carries `X-SBG-Auth-Token: <token>` [S2][S3];
 * sevenbridges-python alternatively sends `Authorization: Bearer <token>` (http/client.py), which
 * is accepted too. `X-SBG-Session-Id` is not modelled (spec, "Authentication").
 *
 * Each token is its own identity (CV-AUTH-ISOLATION). What is stored on disk and compared is the
 * token's owner id, an HMAC (the server kit's `TokenIdentity`), so no token is ever written to the data directory, a log or
 * a response.
 */
import { bearerToken, TokenIdentity } from "@partwise/node";
import { CavaticaApiError, Code } from "./errors.ts";

/**
 * The stable identity of a token (the server kit's `TokenIdentity`): what upload, file and claim
 * documents record as their owner.
 */
export type OwnerId = string;

const identities = new TokenIdentity("partwise-cavatica-owner");

export function ownerOf(token: string): OwnerId {
  return identities.id(token);
}

/**
 * The token a request carries, or undefined. `documentedOnly` (the strict reading) takes only the
 * documented `X-SBG-Auth-Token`, not sevenbridges-python's `Authorization: Bearer`.
 */
export function tokenOf(request: Request, documentedOnly = false): string | undefined {
  const sbg = request.headers.get("x-sbg-auth-token")?.trim();
  if (sbg) return sbg;
  if (documentedOnly) return undefined;
  return bearerToken(request.headers.get("authorization")) || undefined;
}

export interface Authenticator {
  /** The caller's owner id, or throws 401 / 90001 (CV-AUTH). */
  authenticate(request: Request): OwnerId;
}

/**
 * `tokens` empty or absent: any non-empty token is accepted (a development server). `documentedOnly`
 * (the strict reading) refuses a Bearer token: the documents name only `X-SBG-Auth-Token`.
 */
export function createAuthenticator(
  tokens: readonly string[] | undefined,
  documentedOnly = false,
): Authenticator {
  const valid = new TokenIdentity("partwise-cavatica-owner", tokens);
  return {
    authenticate(request) {
      const token = tokenOf(request, documentedOnly);
      if (token === undefined || !valid.accepts(token))
        throw new CavaticaApiError(
          401,
          Code.unauthorized,
          "Unauthorized. Provide a valid X-SBG-Auth-Token.",
          "CV-AUTH",
          { "www-authenticate": 'Bearer realm="partwise-cavatica"' },
        );
      return ownerOf(token);
    },
  };
}
