/**
 * Tokens never appear in logs, errors or reports. `redact` replaces every known secret (and any
 * `Bearer …`, `access_token=…` or auth header value) in a text before it is written anywhere.
 */

const PATTERNS: readonly RegExp[] = [
  /(authorization:\s*bearer\s+)[^\s,;"']+/gi,
  /(bearer\s+)[A-Za-z0-9._~+/=-]{6,}/gi,
  /(access_token=)[^&\s"']+/gi,
  /(x-access-token:\s*)[^\s,;"']+/gi,
  /(x-sbg-auth-token:\s*)[^\s,;"']+/gi,
  /([?&](?:signature|sig|token|uploadToken)=)[^&\s"']+/gi,
];

export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  for (const pattern of PATTERNS) out = out.replace(pattern, "$1[redacted]");
  return out;
}

/** A URL safe to log or report: query values that carry credentials are redacted. */
export function redactUrl(url: string | URL, secrets: readonly string[] = []): string {
  return redact(String(url), secrets);
}
