/**
 * Tokens never appear in logs, errors or reports. `redact` replaces every known secret, and every
 * value that is a credential by where it sits, in a text before it is written anywhere.
 *
 * Credentials by position, in every form they reach a log (a header line `name: value`, a query
 * or form `name=value`, a JSON member `"name": "value"`), names matched without regard to case:
 * - `Authorization` (any scheme: `Bearer`, `Basic`, …) and `Proxy-Authorization`, and any
 *   `Bearer <token>` wherever it appears;
 * - BaseSpace: `x-access-token` header, `access_token` query parameter;
 * - CAVATICA: `X-SBG-Auth-Token`, `X-SBG-Session-Id`;
 * - OAuth (YouForce's Visma Connect): `access_token`, `refresh_token`, `client_secret`, `id_token`;
 * - signed URLs: `signature`, `sig`, `token`, `uploadToken`, `X-Amz-Signature`,
 *   `X-Amz-Security-Token`, `X-Amz-Credential`, `Signature`, `Policy`;
 * - `Cookie` and `Set-Cookie` values.
 *
 * Explicit secrets (the server's configured tokens) are redacted wherever they appear, also in
 * their percent-encoded form, longest first so one secret inside another cannot leave a tail.
 */

const REDACTED = "[redacted]";

/** Names whose value is one token: it ends at white space or a delimiter. */
const TOKEN_NAMES = [
  "x-access-token",
  "x-sbg-auth-token",
  "x-sbg-session-id",
  "access_token",
  "refresh_token",
  "id_token",
  "client_secret",
  "signature",
  "sig",
  "token",
  "uploadToken",
  "upload_token",
  "x-amz-signature",
  "x-amz-security-token",
  "x-amz-credential",
  "policy",
  "password",
  "api_key",
  "apikey",
];

/**
 * A name as a pattern in which every character may also be percent-encoded (`acc%65ss_token` is
 * `access_token` to a server that decodes its query), in either case of the hex digits.
 */
const encodable = (name: string): string =>
  Array.from(name, (char) => {
    const hex = char.charCodeAt(0).toString(16).padStart(2, "0");
    const literal = /[A-Za-z0-9]/.test(char) ? char : `\\${char}`;
    return `(?:${literal}|%${hex})`;
  }).join("");

/** `name` not preceded by a name character, then `:` or `=` (possibly inside JSON quotes). */
const named = (names: readonly string[], value: string): RegExp =>
  new RegExp(
    `((?<![A-Za-z0-9_-])["']?(?:${names.map(encodable).join("|")})["']?\\s*(?::|=|%3[Dd])\\s*["']?)${value}`,
    "gi",
  );

const PATTERNS: readonly RegExp[] = [
  // `Bearer <token>` anywhere (RFC 6750 §2.1), up to the next delimiter even past token68.
  /(\bbearer\s+)[^\s,;"'&]+/gi,
  // The whole credential, scheme and all (`Basic …`, `Bearer …`, a bare token), to the line's end.
  named(["authorization", "proxy-authorization"], `[^\\r\\n,;"'&]+`),
  // Every cookie of the header.
  named(["cookie", "set-cookie"], `[^\\r\\n"']+`),
  named(TOKEN_NAMES, `[^\\s,;"'&]+`),
];

export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
  }
  for (const form of [...forms].sort((a, b) => b.length - a.length)) out = out.split(form).join(REDACTED);
  for (const pattern of PATTERNS) out = out.replace(pattern, `$1${REDACTED}`);
  return out;
}

/**
 * The credentials a request carries, by where they sit: the value of `Authorization` (after its
 * scheme), of every header and query parameter named in the list above (`X-SBG-Auth-Token`,
 * `x-access-token`, `access_token`, …). Pass them to `redact` with the configured secrets, so a
 * token is redacted wherever else it appears in the request, also on a server that accepts any
 * token (no configured secrets).
 */
export function credentialsOf(request: Request): string[] {
  const found: string[] = [];
  for (const name of ["authorization", "proxy-authorization"]) {
    const value = request.headers.get(name)?.trim();
    if (value) found.push(value, ...value.split(/\s+/).slice(1));
  }
  for (const name of TOKEN_NAMES) {
    const value = request.headers.get(name)?.trim();
    if (value) found.push(value);
  }
  let url: URL | undefined;
  try {
    url = new URL(request.url);
  } catch {}
  for (const [name, value] of url?.searchParams ?? [])
    if (value && TOKEN_LOOKUP.has(name.toLowerCase())) found.push(value);
  return found;
}

const TOKEN_LOOKUP: ReadonlySet<string> = new Set(TOKEN_NAMES.map((name) => name.toLowerCase()));

/** A URL safe to log or report: query values that carry credentials are redacted. */
export function redactUrl(url: string | URL, secrets: readonly string[] = []): string {
  return redact(String(url), secrets);
}
