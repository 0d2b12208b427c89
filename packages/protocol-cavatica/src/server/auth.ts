/**
 * Authentication (CV-AUTH): every API call carries `X-SBG-Auth-Token: <token>` [S2][S3];
 * sevenbridges-python alternatively sends `Authorization: Bearer <token>` (http/client.py), which
 * is accepted too. `X-SBG-Session-Id` is not modelled (spec, "Authentication").
 *
 * Each token is its own identity (CV-AUTH-ISOLATION). What is stored on disk and compared is the
 * token's owner id, a SHA-256 digest, so no token is ever written to the data directory, a log or
 * a response.
 */
import { createHash } from "node:crypto";
import { CavaticaApiError, Code } from "./errors.ts";

/** The stable identity of a token: what upload, file and claim documents record as their owner. */
export type OwnerId = string;

export function ownerOf(token: string): OwnerId {
  return createHash("sha256").update("partwise-cavatica-owner\n").update(token).digest("hex").slice(0, 40);
}

/**
 * The token a request carries, or undefined. `documentedOnly` (the strict reading) takes only the
 * documented `X-SBG-Auth-Token`, not sevenbridges-python's `Authorization: Bearer`.
 */
export function tokenOf(request: Request, documentedOnly = false): string | undefined {
  const sbg = request.headers.get("x-sbg-auth-token")?.trim();
  if (sbg) return sbg;
  if (documentedOnly) return undefined;
  const authorization = request.headers.get("authorization")?.trim();
  const bearer = authorization === undefined ? undefined : /^bearer\s+(\S+)$/i.exec(authorization)?.[1];
  return bearer || undefined;
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
  const valid = tokens !== undefined && tokens.length > 0 ? new Set(tokens) : undefined;
  return {
    authenticate(request) {
      const token = tokenOf(request, documentedOnly);
      if (token === undefined || (valid !== undefined && !valid.has(token)))
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
