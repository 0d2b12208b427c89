/**
 * Authentication (BS-AUTH) and identities (BS-AUTH-ISOLATION).
 *
 * BaseSpace accepts the access token three ways [BS-V1]: the `x-access-token` header (seed curl
 * examples, Java SDK, Python part PUTs), `Authorization: Bearer` (Python and C# SDKs) and the
 * `access_token` query parameter. A request without a valid token is refused with 401.
 *
 * Each token is its own identity. The server keeps only a SHA-256 digest of it (`IdentityId`), in
 * memory and in the owner fields of its state documents, so no token is ever written to disk,
 * logged or echoed in an answer.
 */
import { createHash } from "node:crypto";
import { BasespaceHttpError } from "./errors.ts";

/** The SHA-256 (hex) of a token: who owns an AppResult or a File. */
export type IdentityId = string;

export function identityOf(token: string): IdentityId {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

const BEARER = /^bearer[ \t]+(\S+)[ \t]*$/i;

/** The token a request carries: `x-access-token`, then `Authorization: Bearer`, then `access_token`. */
export function tokenOf(request: Request, url: URL): string | undefined {
  const header = request.headers.get("x-access-token")?.trim();
  if (header) return header;
  const bearer = BEARER.exec(request.headers.get("authorization") ?? "")?.[1];
  if (bearer) return bearer;
  for (const [key, value] of url.searchParams)
    if (key.toLowerCase() === "access_token" && value) return value;
  return undefined;
}

/**
 * Checks a request's token against `accepted` (the digests of `options.tokens`; any non-empty
 * token when undefined) and returns its identity, or throws the 401 of BS-AUTH.
 */
export function authenticate(
  request: Request,
  url: URL,
  accepted: ReadonlySet<IdentityId> | undefined,
): IdentityId {
  const token = tokenOf(request, url);
  const challenge = { "www-authenticate": 'Bearer realm="basespace"' };
  if (token === undefined)
    throw new BasespaceHttpError(
      401,
      "An access token is required (x-access-token, Authorization Bearer or access_token)",
      "BS-AUTH",
      undefined,
      challenge,
    );
  const identity = identityOf(token);
  if (accepted !== undefined && !accepted.has(identity))
    throw new BasespaceHttpError(401, "The access token is not valid", "BS-AUTH", undefined, challenge);
  return identity;
}
