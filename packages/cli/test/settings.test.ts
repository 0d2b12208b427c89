import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { requireBaseUrl, requireToken, resolveBaseUrl, resolveToken } from "../src/settings.ts";
import { PROTOCOLS, UsageError } from "../src/usage.ts";

const VARIABLES = [
  "PARTWISE_BASE_URL",
  "PARTWISE_TOKEN",
  "SB_API_ENDPOINT",
  "SB_AUTH_TOKEN",
  "BASESPACE_API_SERVER",
  "BASESPACE_ACCESS_TOKEN",
] as const;
const url = fc.constantFrom("http://a.example/v1", "https://b.example/v2", "http://127.0.0.1:9/x");
const env = fc.record(Object.fromEntries(VARIABLES.map((v) => [v, fc.option(url, { nil: undefined })])), {
  requiredKeys: [],
});

describe("settings: the flag always wins, then PARTWISE_*, then the vendor's variable", () => {
  test("a flag wins over any environment", () => {
    fc.assert(
      fc.property(fc.constantFrom(...PROTOCOLS), env, url, (protocol, e, flag) => {
        expect(resolveBaseUrl(protocol, flag, e)).toEqual({ value: flag, from: "--base-url" });
        expect(resolveToken(protocol, "flag-token", e)).toEqual({ value: "flag-token", from: "--token" });
      }),
    );
  });

  test("PARTWISE_* wins over the vendor's variables; each protocol reads only its own vendor's", () => {
    fc.assert(
      fc.property(fc.constantFrom(...PROTOCOLS), env, (protocol, e) => {
        const vendor = {
          basespace: "BASESPACE_ACCESS_TOKEN",
          cavatica: "SB_AUTH_TOKEN",
          youforce: undefined,
        }[protocol];
        const expected = e.PARTWISE_TOKEN ?? (vendor === undefined ? undefined : e[vendor]);
        expect(resolveToken(protocol, undefined, e)?.value).toBe(expected);
      }),
    );
  });

  test("the vendors' variables", () => {
    expect(resolveToken("cavatica", undefined, { SB_AUTH_TOKEN: "sb" })).toEqual({
      value: "sb",
      from: "SB_AUTH_TOKEN",
    });
    expect(resolveToken("basespace", undefined, { SB_AUTH_TOKEN: "sb" })).toBeUndefined();
    expect(
      resolveBaseUrl("cavatica", undefined, { SB_API_ENDPOINT: "https://cavatica-api.sbgenomics.com/v2" }),
    ).toEqual({ value: "https://cavatica-api.sbgenomics.com/v2", from: "SB_API_ENDPOINT" });
    // BASESPACE_API_SERVER names the host, as Illumina's tools use it; the API version is added.
    expect(
      resolveBaseUrl("basespace", undefined, { BASESPACE_API_SERVER: "https://api.basespace.illumina.com" })
        ?.value,
    ).toBe("https://api.basespace.illumina.com/v1pre3");
    expect(resolveBaseUrl("basespace", undefined, { BASESPACE_API_SERVER: "http://h:1/v1pre3" })?.value).toBe(
      "http://h:1/v1pre3",
    );
    expect(resolveBaseUrl("youforce", undefined, { SB_API_ENDPOINT: "http://x/v2" })).toBeUndefined();
    expect(resolveToken("youforce", undefined, { PARTWISE_TOKEN: "" })).toBeUndefined();
  });

  test("missing or bad settings are usage errors naming where they were looked for, never the value", () => {
    expect(() => requireToken("cavatica", undefined, {})).toThrow(
      new UsageError("no token: pass --token or set PARTWISE_TOKEN or SB_AUTH_TOKEN"),
    );
    expect(() => requireBaseUrl("basespace", undefined, {})).toThrow(
      /PARTWISE_BASE_URL or BASESPACE_API_SERVER/,
    );
    expect(() => requireBaseUrl("cavatica", undefined, { SB_API_ENDPOINT: "ftp://x" })).toThrow(
      new UsageError("SB_API_ENDPOINT must be an http(s) URL"),
    );
    expect(requireBaseUrl("youforce", "http://x/v1.0//", {})).toBe("http://x/v1.0");
  });
});
