/**
 * The server kit the reference servers share: `Range`, the multi-blob stream, the keyed mutex, the
 * failure-to-status map and token identity. Each protocol's server tests check the same behaviour
 * over sockets (test/server/kit.test.ts in each protocol package).
 */
import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { FAILURE_EXAMPLES, THROWN_KINDS } from "../../../test-support/failures.ts";
import {
  bearerToken,
  contentRange,
  FAILURE_STATUS,
  type FailureKind,
  failureOf,
  isB64Token,
  KeyedMutex,
  parseRange,
  type RangeRequest,
  Refusal,
  segmentStream,
  TokenIdentity,
} from "../src/index.ts";
import { deferred, readAll } from "./helpers.ts";

/** The model: RFC 9110 §14.1.2 for one range, everything the server may ignore read as whole. */
function model(
  unit: string,
  first: number | undefined,
  last: number | undefined,
  size: number,
): RangeRequest {
  if (unit.toLowerCase() !== "bytes" || (first === undefined && last === undefined)) return { kind: "whole" };
  if (first === undefined) {
    if (last === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "range", start: Math.max(0, size - (last ?? 0)), end: size - 1 };
  }
  if (last !== undefined && last < first) return { kind: "whole" };
  if (first >= size) return { kind: "unsatisfiable" };
  return { kind: "range", start: first, end: Math.min(last ?? size - 1, size - 1) };
}

describe("parseRange (RFC 9110 §14)", () => {
  test("one range in any case of the unit, with or without ends, agrees with the model", () => {
    const unit = fc.constantFrom("bytes", "Bytes", "BYTES", "bYtEs", "items");
    const end = fc.option(fc.nat({ max: 120 }), { nil: undefined });
    fc.assert(
      fc.property(unit, end, end, fc.nat({ max: 100 }), (u, first, last, size) => {
        const header = `${u}=${first ?? ""}-${last ?? ""}`;
        expect(parseRange(header, size), header).toEqual(model(u, first, last, size));
      }),
      { numRuns: 300 },
    );
  });

  test("examples: Bytes=0-9, suffixes, open ends, 416 cases, ignored headers", () => {
    expect(parseRange("Bytes=0-9", 100)).toEqual({ kind: "range", start: 0, end: 9 });
    expect(parseRange("bytes=-10", 100)).toEqual({ kind: "range", start: 90, end: 99 });
    expect(parseRange("bytes=-1000", 100)).toEqual({ kind: "range", start: 0, end: 99 });
    expect(parseRange("bytes=95-", 100)).toEqual({ kind: "range", start: 95, end: 99 });
    expect(parseRange("bytes=90-1000", 100)).toEqual({ kind: "range", start: 90, end: 99 });
    expect(parseRange("bytes=100-", 100)).toEqual({ kind: "unsatisfiable" });
    expect(parseRange("bytes=-0", 100)).toEqual({ kind: "unsatisfiable" });
    expect(parseRange("bytes=99999999999999999999999-", 100)).toEqual({ kind: "unsatisfiable" });
    // Several ranges, bad syntax, another unit, first > last: the whole content (RFC 9110 §14.2).
    for (const ignored of ["bytes=0-1,4-5", "bytes=a-b", "items=0-1", "bytes=5-1", "bytes=-", "bytes 0-1"])
      expect(parseRange(ignored, 100), ignored).toEqual({ kind: "whole" });
    expect(parseRange(null, 100)).toEqual({ kind: "whole" });
    expect(contentRange({ start: 0, end: 9 }, 100)).toBe("bytes 0-9/100");
    expect(contentRange(undefined, 100)).toBe("bytes */100");
  });
});

describe("segmentStream", () => {
  test("any range of concatenated blobs is exactly those bytes, and blobs outside it are never opened", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat({ max: 40 }), { minLength: 0, maxLength: 6 }),
        fc.nat({ max: 250 }),
        fc.nat({ max: 250 }),
        fc.boolean(),
        async (sizes, a, b, whole) => {
          const blobs = new Map(
            sizes.map((size, i) => [
              `b${i}`,
              Uint8Array.from({ length: size }, (_, j) => (i * 41 + j) % 256),
            ]),
          );
          const all = Uint8Array.from([...blobs.values()].flatMap((bytes) => [...bytes]));
          const opened: string[] = [];
          const read = (key: string, range: { start: number; end: number }): ReadableStream<Uint8Array> => {
            opened.push(key);
            const bytes = blobs.get(key) ?? new Uint8Array(0);
            return new Blob([bytes.slice(range.start, range.end + 1)]).stream();
          };
          const segments = sizes.map((size, i) => ({ key: `b${i}`, size }));
          const start = Math.min(a, b);
          const end = Math.max(a, b);
          const got = await readAll(segmentStream(read, segments, whole ? undefined : { start, end }));
          const expected = whole ? all : all.slice(start, end + 1);
          expect([...got]).toEqual([...expected]);
          // A blob is opened only when it holds a byte of the range.
          let offset = 0;
          const needed = segments.filter((segment) => {
            const from = offset;
            offset += segment.size;
            return segment.size > 0 && (whole || (from <= end && from + segment.size - 1 >= start));
          });
          expect(opened).toEqual(needed.map((segment) => segment.key));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("KeyedMutex", () => {
  test("tasks of one key run one at a time, in call order; other keys do not wait; a failure does not block", async () => {
    const mutex = new KeyedMutex();
    const events: string[] = [];
    const gate = deferred();
    const first = mutex.run("a", async () => {
      events.push("a1 start");
      await gate.promise;
      events.push("a1 end");
      throw new Error("a1 failed");
    });
    const second = mutex.run("a", async () => {
      events.push("a2");
      return 2;
    });
    const other = await mutex.run("b", async () => {
      events.push("b");
      return "b";
    });
    // b ran while a1 still held key a; a2 still waits for it.
    expect(other).toBe("b");
    expect(events).toEqual(["a1 start", "b"]);
    gate.resolve();
    await expect(first).rejects.toThrow("a1 failed");
    await expect(second).resolves.toBe(2);
    expect(events).toEqual(["a1 start", "b", "a1 end", "a2"]);
    await Promise.resolve();
    expect(mutex.busyKeys).toBe(0);
  });
});

describe("failures and their statuses", () => {
  test("each failure kind is classified and answered with its status, naming no path", () => {
    for (const kind of THROWN_KINDS) {
      const failure = failureOf(FAILURE_EXAMPLES[kind]);
      expect(failure.kind, kind).toBe(kind);
      expect(failure.status, kind).toBe(FAILURE_STATUS[kind]);
      expect(failure.message).not.toContain("/secret");
    }
    expect(failureOf(FAILURE_EXAMPLES.framing).rule).toBe("MIME-CLOSE-DELIMITER");
    expect(FAILURE_STATUS).toMatchObject({ "body-timeout": 408, "storage-full": 507, overloaded: 503 });
  });

  test("the status map is exhaustive: a map without a kind does not compile", () => {
    // @ts-expect-error `unexpected` is missing, which `satisfies Record<FailureKind, number>` refuses.
    const partial = { ...FAILURE_STATUS, unexpected: undefined } satisfies Record<FailureKind, number>;
    expect(partial.unexpected).toBeUndefined();
  });

  test("a refusal is recognised across copies by its brand and carries status, rule and headers", () => {
    const refusal = new Refusal(405, "no", "RULE-X", { allow: "GET" });
    expect(refusal).toBeInstanceOf(Refusal);
    expect({ ...refusal }).toMatchObject({ status: 405, rule: "RULE-X", headers: { allow: "GET" } });
    const foreign = Object.assign(Object.create(Object.getPrototypeOf(refusal)), { status: 400 });
    expect(foreign instanceof Refusal).toBe(true);
    expect(new Error("x") instanceof Refusal).toBe(false);
  });
});

describe("token identity", () => {
  test("each token is its own id, under each key; configured tokens only; any token on an open server", () => {
    const closed = new TokenIdentity("k1", ["alpha-token", "beta-token"]);
    const open = new TokenIdentity("k1");
    expect(closed.accepts("alpha-token")).toBe(true);
    expect(closed.accepts("beta-token")).toBe(true);
    expect(closed.accepts("gamma-token")).toBe(false);
    expect(open.accepts("gamma-token")).toBe(true);
    expect(open.accepts("")).toBe(false);
    expect(closed.id("alpha-token")).toMatch(/^[0-9a-f]{64}$/);
    expect(closed.id("alpha-token")).toBe(open.id("alpha-token"));
    expect(closed.id("alpha-token")).not.toBe(closed.id("beta-token"));
    expect(new TokenIdentity("k2").id("alpha-token")).not.toBe(closed.id("alpha-token"));
    expect(closed.id("alpha-token")).not.toContain("alpha");
  });

  test("bearer tokens: the scheme in any case, one token, b64token characters", () => {
    expect(bearerToken("Bearer abc.def")).toBe("abc.def");
    expect(bearerToken("bearer   abc ")).toBe("abc");
    expect(bearerToken("Basic abc")).toBeUndefined();
    expect(bearerToken("Bearer a b")).toBeUndefined();
    expect(bearerToken(null)).toBeUndefined();
    expect(isB64Token("abc-._~+/==")).toBe(true);
    expect(isB64Token("a,b")).toBe(false);
  });
});
