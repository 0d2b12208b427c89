/**
 * Authentication (BS-AUTH) and identities (BS-AUTH-ISOLATION).
 *
 * BaseSpace accepts the access token three ways [BS-V1]: the `x-access-token` header (seed curl
 * examples, Java SDK, Python part PUTs), `Authorization: Bearer` (Python and C# SDKs) and the
 * `access_token` query parameter. A request without a valid token is refused with 401.
 *
 * Each token is its own identity. The server keeps only an HMAC of it (`IdentityId`, the server
 * kit's `TokenIdentity`), in memory and in the owner fields of its state documents, so no token is
 * ever written to disk, logged or echoed in an answer.
 */
import { bearerToken, TokenIdentity } from "@partwise/node";
import { BasespaceHttpError } from "./errors.ts";

/** The opaque id of a token (the server kit's `TokenIdentity`): who owns an AppResult or a File. */
export type IdentityId = string;

const identities = new TokenIdentity("partwise-basespace-identity");

export function identityOf(token: string): IdentityId {
  return identities.id(token);
}

/**
 * The token a request carries: `x-access-token`, then `Authorization: Bearer`, then `access_token`.
 * `headerOnly` (the BS-AUTH-CARRIERS mutant; testing conformance suites only) reads the first alone.
 */
export function tokenOf(request: Request, url: URL, headerOnly = false): string | undefined {
  const header = request.headers.get("x-access-token")?.trim();
  if (header) return header;
  if (headerOnly) return undefined;
  const bearer = bearerToken(request.headers.get("authorization"));
  if (bearer) return bearer;
  for (const [key, value] of url.searchParams)
    if (key.toLowerCase() === "access_token" && value) return value;
  return undefined;
}

export interface AuthPolicy {
  /** Any non-empty token is an identity when undefined; else the digests of `options.tokens`. */
  readonly accepted: ReadonlySet<IdentityId> | undefined;
  /** The status of a missing token (BS-AUTH-401: 401). */
  readonly missingStatus: 401 | 403;
  /** The status of a token the server does not know (401; 403 in the strict reading). */
  readonly unknownStatus: 401 | 403;
  /** Read `x-access-token` only (the BS-AUTH-CARRIERS mutant). */
  readonly headerOnly: boolean;
}

/**
 * Checks a request's token against `policy.accepted` and returns its identity, or throws the
 * refusal of BS-AUTH (401, or 403 for an unknown token in the strict reading).
 */
export function authenticate(request: Request, url: URL, policy: AuthPolicy): IdentityId {
  const token = tokenOf(request, url, policy.headerOnly);
  const challenge = { "www-authenticate": 'Bearer realm="basespace"' };
  if (token === undefined)
    throw new BasespaceHttpError(
      policy.missingStatus,
      "An access token is required (x-access-token, Authorization Bearer or access_token)",
      "BS-AUTH",
      undefined,
      challenge,
    );
  const identity = identityOf(token);
  if (policy.accepted !== undefined && !policy.accepted.has(identity))
    throw new BasespaceHttpError(
      policy.unknownStatus,
      "The access token is not valid",
      "BS-AUTH",
      undefined,
      policy.unknownStatus === 401 ? challenge : undefined,
    );
  return identity;
}
