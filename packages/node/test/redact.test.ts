/** redact: no token survives, in any of the forms a log line can carry it. */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { redact, redactUrl } from "../src/index.ts";

/** Token-like strings (RFC 6750 b64token characters), long enough to be real credentials. */
const token = fc.stringMatching(/^[A-Za-z0-9._~+/=-]{9,64}$/);

/** Every form in which a credential reaches a log, with the token at `<T>`. */
const FORMS = [
  "Authorization: Bearer <T>",
  "authorization:bearer <T>",
  "Authorization: Basic <T>",
  "Authorization: <T>",
  "Proxy-Authorization: Bearer <T>",
  "Bearer <T>",
  "x-access-token: <T>",
  "X-Access-Token:<T>",
  "GET /v1pre3/files/1?access_token=<T>",
  "GET /v1pre3/files/1?a=1&access_token=<T>&b=2",
  "X-SBG-Auth-Token: <T>",
  "x-sbg-auth-token:  <T>",
  "X-SBG-Session-Id: <T>",
  "https://bucket.s3.amazonaws.com/k?X-Amz-Signature=<T>&X-Amz-Date=1",
  "https://bucket.s3.amazonaws.com/k?X-Amz-Security-Token=<T>",
  "https://storage.test/p?sig=<T>&se=2030",
  "https://storage.test/p?signature=<T>",
  "https://storage.test/p?Signature=<T>&Expires=1",
  "https://storage.test/p?token=<T>",
  "https://storage.test/p?uploadToken=<T>",
  '{"access_token":"<T>","token_type":"Bearer"}',
  '{ "access_token" : "<T>" }',
  '{"refresh_token":"<T>"}',
  "client_id=abc&client_secret=<T>&grant_type=client_credentials",
  '"x-access-token": "<T>"',
  "'authorization': 'Bearer <T>'",
  "Cookie: IComLogin=<T>; other=1",
  "Cookie: a=1; IComLogin=<T>",
  "GET /v1pre3/files/1?acc%65ss_token=<T>",
  "GET /v1pre3/files/1?ACCESS%5FTOKEN=<T>",
  "https://storage.test/p?%73ignature=<T>",
];

const surroundings = fc.string({
  unit: fc.constantFrom(..."abc XYZ 0123:/?&=.,;\"'-_\n\t[]{}"),
  maxLength: 40,
});
const separator = fc.constantFrom(" ", "\n", "\r\n", "\t", "; ", ", ", "&", " | ");

describe("redact", () => {
  test("a credential's name with any of its characters percent-encoded is still redacted", () => {
    const names = ["access_token", "signature", "x-amz-signature", "uploadToken", "sig", "token"];
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.infiniteStream(fc.boolean()),
        token,
        (name, encode, secret) => {
          const it = encode[Symbol.iterator]();
          const encoded = Array.from(name, (c) =>
            it.next().value ? `%${c.charCodeAt(0).toString(16).padStart(2, "0").toUpperCase()}` : c,
          ).join("");
          const out = redact(`GET /x?a=1&${encoded}=${secret}&b=2`);
          expect(out, `${encoded}=${secret}`).not.toContain(secret);
        },
      ),
    );
  });

  test.each(FORMS)("removes the token from %j", (form) => {
    const secret = "s3cr3tT0ken-abc.DEF~1";
    const out = redact(form.replace("<T>", secret));
    expect(out).not.toContain(secret);
    expect(out).toContain("[redacted]");
  });

  test("no generated token survives in any form, anywhere in generated text", () => {
    fc.assert(
      fc.property(
        token,
        fc.constantFrom(...FORMS),
        surroundings,
        separator,
        separator,
        surroundings,
        (secret, form, before, sep1, sep2, after) => {
          fc.pre(!before.includes(secret) && !after.includes(secret));
          const text = `${before}${sep1}${form.replace("<T>", secret)}${sep2}${after}`;
          expect(redact(text)).not.toContain(secret);
        },
      ),
      { numRuns: 500 },
    );
  });

  test("explicit secrets go wherever they are, also percent-encoded, also one inside another", () => {
    fc.assert(
      fc.property(
        fc.array(token, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(fc.nat(), fc.boolean()), { minLength: 1, maxLength: 5 }),
        fc.string({ maxLength: 80 }),
        (secrets, placements, text) => {
          fc.pre(secrets.every((s) => !text.includes(s)));
          let out = text;
          for (const [i, encoded] of placements) {
            const secret = secrets[i % secrets.length]!;
            const at = i % (out.length + 1);
            out = out.slice(0, at) + (encoded ? encodeURIComponent(secret) : secret) + out.slice(at);
          }
          const result = redact(out, secrets);
          for (const secret of secrets) {
            expect(result).not.toContain(secret);
            expect(result).not.toContain(encodeURIComponent(secret));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test("redacting twice changes nothing more", () => {
    fc.assert(
      fc.property(token, fc.constantFrom(...FORMS), surroundings, (secret, form, rest) => {
        const once = redact(`${rest} ${form.replace("<T>", secret)}`, [secret]);
        expect(redact(once, [secret])).toBe(once);
      }),
    );
  });

  test("text without credentials is left alone; short secrets are not looked for", () => {
    const plain = "PUT /v1pre3/files/abc/parts/3 -> 200 (status=503 injected, mytoken=public)";
    expect(redact(plain)).toBe(plain);
    expect(redact("abc abc", ["abc"])).toBe("abc abc");
  });

  test("redactUrl redacts credential query values and keeps the rest", () => {
    expect(redactUrl(new URL("http://h/files/1?access_token=abcdef123&x=1"))).toBe(
      "http://h/files/1?access_token=[redacted]&x=1",
    );
    expect(redactUrl("http://h/p/SECRET-TOKEN/q", ["SECRET-TOKEN"])).toBe("http://h/p/[redacted]/q");
  });
});
