/**
 * Authentication (YF-AUTH): every call carries `Authorization: Bearer <token>` [S4] (the token of
 * the Visma Connect client credentials grant). The bearer header is the only carrier the File API
 * documents, so no other is accepted. `options.tokens`, when given, is the set of valid tokens;
 * otherwise any non-empty token is accepted.
 *
 * Each token is its own identity (YF-AUTH-ISOLATION): its own tenant and publisher. The server
 * never stores or answers a token: an identity is an HMAC of the token under a secret kept in the
 * data dir (stable across restarts, useless for guessing short development tokens), and the
 * `tenantId`/`publisherId` it shows are derived from that.
 */
import { bearerToken, isB64Token, TokenIdentity } from "@partwise/node";
import { refuse } from "./errors.ts";

export interface Identity {
  /** Opaque id of the token (an HMAC): what state documents record as owner. */
  readonly id: string;
  /** `tenantId` of the files this identity uploads. */
  readonly tenantId: string;
  /** `publisherId` shown in listings (a GUID-shaped id). */
  readonly publisherId: string;
}

export class Authenticator {
  private readonly identities: TokenIdentity;

  constructor(secret: string, tokens: readonly string[] | undefined) {
    this.identities = new TokenIdentity(secret, tokens);
  }

  /** The bearer token of a request, or undefined when the header is missing or malformed. */
  static bearer(request: Request): string | undefined {
    const token = bearerToken(request.headers.get("authorization"));
    return token !== undefined && isB64Token(token) ? token : undefined;
  }

  /** The identity of a request's token; refuses with 401 (YF-AUTH) without a valid one. */
  authenticate(request: Request): Identity {
    const token = Authenticator.bearer(request);
    if (token === undefined)
      refuse(401, "The access token is missing or invalid: send Authorization: Bearer <token>", "YF-AUTH", {
        "www-authenticate": 'Bearer realm="youforce-fileapi"',
      });
    if (!this.identities.accepts(token))
      refuse(401, "The access token is missing or invalid", "YF-AUTH", {
        "www-authenticate": 'Bearer realm="youforce-fileapi", error="invalid_token"',
      });
    return this.identity(token);
  }

  /** The identity a token has, for configured ownership maps (`options.businessTypes`). */
  identity(token: string): Identity {
    const id = this.identities.id(token);
    const guid = `${id.slice(0, 8)}-${id.slice(8, 12)}-4${id.slice(13, 16)}-a${id.slice(17, 20)}-${id.slice(20, 32)}`;
    return { id, tenantId: `tenant-${id.slice(32, 44)}`, publisherId: guid };
  }
}
