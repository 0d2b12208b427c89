/** Fault specs, seeded dice, and each action over a real socket. */
import fc from "fast-check";
import { describe, expect, test, vi } from "vitest";
import {
  ConnectionResetSignal,
  corruptBody,
  type FaultSpec,
  FaultSpecError,
  parseFaultSpec,
  seededRandom,
  withFaults,
} from "../src/index.ts";
import { chunkedStream, exchange, patternBytes, readAll, withServer } from "./helpers.ts";

const context = {
  operationOf: (request: Request) => new URL(request.url).pathname.slice(1) || undefined,
  errorResponse: (status: number, message: string) => Response.json({ message }, { status }),
};

describe("parseFaultSpec", () => {
  test.each([
    [
      "status=503",
      { op: "*", action: { kind: "status", status: 503 }, rate: 1, after: 0, count: Infinity, seed: 1 },
    ],
    [
      "op=uploadFilePart,status=503,rate=0.2",
      {
        op: "uploadFilePart",
        action: { kind: "status", status: 503 },
        rate: 0.2,
        after: 0,
        count: Infinity,
        seed: 1,
      },
    ],
    [
      "op=*,reset,rate=0.05,seed=7",
      { op: "*", action: { kind: "reset" }, rate: 0.05, after: 0, count: Infinity, seed: 7 },
    ],
    [
      " drop , after=3 , count=2 ",
      { op: "*", action: { kind: "drop" }, rate: 1, after: 3, count: 2, seed: 1 },
    ],
    [
      "corrupt,seed=4294967295",
      { op: "*", action: { kind: "corrupt" }, rate: 1, after: 0, count: Infinity, seed: 2 ** 32 - 1 },
    ],
    [
      "delay=250,rate=.5",
      { op: "*", action: { kind: "delay", ms: 250 }, rate: 0.5, after: 0, count: Infinity, seed: 1 },
    ],
    [
      "status=599,rate=1.0,count=0",
      { op: "*", action: { kind: "status", status: 599 }, rate: 1, after: 0, count: 0, seed: 1 },
    ],
  ])("parses %j", (text, expected) => {
    expect(parseFaultSpec(text)).toEqual(expected);
  });

  test.each([
    ["", /names no action/],
    ["rate=0.5", /names no action/],
    ["status=503,reset", /two actions/],
    ["reset,reset", /two actions/],
    ["status=503,rate=0.1,rate=0.2", /rate twice/],
    ["status=", /status must be an integer from 400 to 599, not ""/],
    ["status=200", /status must be an integer from 400 to 599/],
    ["status=5e2", /status must be an integer/],
    ["status=503=1", /status must be an integer/],
    ["delay=-1", /delay must be an integer from 0 to 600000/],
    ["delay=600001", /delay must be/],
    ["reset=1", /reset takes no value/],
    ["drop=", /drop takes no value/],
    ["status=503,rate=", /rate must be a number from 0 to 1, not ""/],
    ["status=503,rate=1.5", /rate must be a number from 0 to 1/],
    ["status=503,rate=0x1", /rate must be/],
    ["status=503,rate=-0", /rate must be/],
    ["status=503,after=", /after must be an integer/],
    ["status=503,after=1.5", /after must be an integer/],
    ["status=503,count=-1", /count must be an integer/],
    ["status=503,seed=4294967296", /seed must be an integer from 0 to 4294967295/],
    ["status=503,op=", /op must be "\*" or an operationId/],
    ["status=503,op=a*b", /op must be/],
    ["status=503,op=9lives", /op must be/],
    ["status=503,op", /op must be/],
    ["status=503,Rate=0.1", /unknown key "Rate"/],
    ["statuss=503", /unknown key "statuss"/],
  ])("rejects %j, naming the problem", (text, message) => {
    const attempt = () => parseFaultSpec(text);
    expect(attempt).toThrow(FaultSpecError);
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(`fault "${text}"`);
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({ name: "FaultSpecError", code: "PW_FAULT_SPEC" });
    }
  });

  const specArbitrary: fc.Arbitrary<FaultSpec> = fc.record({
    op: fc.oneof(fc.constant("*"), fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,20}$/)),
    action: fc.oneof(
      fc.integer({ min: 400, max: 599 }).map((status) => ({ kind: "status" as const, status })),
      fc.integer({ min: 0, max: 600_000 }).map((ms) => ({ kind: "delay" as const, ms })),
      fc.constantFrom({ kind: "reset" as const }, { kind: "drop" as const }, { kind: "corrupt" as const }),
    ),
    rate: fc.integer({ min: 0, max: 1000 }).map((n) => n / 1000),
    after: fc.nat(),
    count: fc.oneof(fc.nat(), fc.constant(Number.POSITIVE_INFINITY)),
    seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  });

  const format = (spec: FaultSpec): string[] => {
    const action =
      spec.action.kind === "status"
        ? `status=${spec.action.status}`
        : spec.action.kind === "delay"
          ? `delay=${spec.action.ms}`
          : spec.action.kind;
    return [
      `op=${spec.op}`,
      action,
      `rate=${spec.rate}`,
      `after=${spec.after}`,
      ...(spec.count === Number.POSITIVE_INFINITY ? [] : [`count=${spec.count}`]),
      `seed=${spec.seed}`,
    ];
  };

  test("every spec, its items in any order, parses back to itself", () => {
    fc.assert(
      fc.property(
        specArbitrary.chain((spec) =>
          fc.tuple(fc.constant(spec), fc.shuffledSubarray(format(spec), { minLength: format(spec).length })),
        ),
        ([spec, items]) => {
          expect(parseFaultSpec(items.join(","))).toEqual(spec);
        },
      ),
    );
  });

  test("repeating any key of a valid spec is an error", () => {
    fc.assert(
      fc.property(specArbitrary, fc.nat(), (spec, pick) => {
        const items = format(spec);
        const repeated = items[pick % items.length]!;
        expect(() => parseFaultSpec([...items, repeated].join(","))).toThrow(/twice|two actions/);
      }),
    );
  });
});

describe("seededRandom", () => {
  test("the same seed gives the same sequence, in [0, 1)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (seed) => {
        const a = seededRandom(seed);
        const b = seededRandom(seed);
        for (let i = 0; i < 50; i++) {
          const x = a();
          expect(b()).toBe(x);
          expect(x >= 0 && x < 1).toBe(true);
        }
      }),
    );
  });

  test("different seeds give different sequences, and draws spread over [0, 1)", () => {
    const first = new Set(Array.from({ length: 1000 }, (_, seed) => seededRandom(seed)()));
    expect(first.size).toBe(1000);
    const random = seededRandom(42);
    const buckets = new Array<number>(10).fill(0);
    for (let i = 0; i < 10_000; i++) buckets[Math.floor(random() * 10)]! += 1;
    for (const n of buckets) expect(n).toBeGreaterThan(800);
  });
});

/** Runs requests for `ops` through withFaults and records which fault (by index) applied to each. */
async function injectedSequence(
  specs: readonly FaultSpec[],
  ops: readonly string[],
): Promise<(number | null)[]> {
  const applied: (number | null)[] = [];
  let last: number | null = null;
  const handler = withFaults(
    () => new Response("ok"),
    specs,
    context,
    (fault) => {
      last = specs.findIndex((s) => s.action.kind === fault.action);
    },
  );
  for (const op of ops) {
    last = null;
    try {
      await handler(new Request(`http://h/${op}`, { method: "POST", body: "x" }));
    } catch (error) {
      expect(error).toBeInstanceOf(ConnectionResetSignal);
    }
    applied.push(last);
  }
  return applied;
}

/** The documented semantics of one fault, written independently: which requests it hits. */
function modelHits(spec: FaultSpec, ops: readonly string[]): boolean[] {
  const random = seededRandom(spec.seed);
  let seen = 0;
  let injected = 0;
  return ops.map((op) => {
    if (spec.op !== "*" && spec.op !== op) return false;
    seen += 1;
    if (seen <= spec.after || injected >= spec.count) return false;
    const hit = random() < spec.rate;
    if (spec.action.kind === "corrupt") random();
    if (hit) injected += 1;
    return hit;
  });
}

describe("withFaults dice", () => {
  const ops = fc.array(fc.constantFrom("uploadPart", "complete", "list"), { minLength: 10, maxLength: 60 });
  const oneSpec = fc.record({
    op: fc.constantFrom("*", "uploadPart", "complete"),
    action: fc.constantFrom(
      { kind: "status" as const, status: 503 },
      { kind: "reset" as const },
      {
        kind: "corrupt" as const,
      },
    ),
    rate: fc.constantFrom(0, 0.1, 0.5, 0.9, 1),
    after: fc.nat({ max: 5 }),
    count: fc.oneof(
      { weight: 1, arbitrary: fc.nat({ max: 10 }) },
      { weight: 2, arbitrary: fc.constant(Number.POSITIVE_INFINITY) },
    ),
    seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  });

  test("one fault hits exactly the requests its after/count/rate and seed choose", async () => {
    await fc.assert(
      fc.asyncProperty(oneSpec, ops, async (spec, sequence) => {
        const applied = await injectedSequence([spec], sequence);
        expect(applied.map((a) => a === 0)).toEqual(modelHits(spec, sequence));
      }),
      { numRuns: 100 },
    );
  });

  test("the same seed injects the same sequence, run after run", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(oneSpec, { minLength: 1, maxLength: 3 }), ops, async (specs, sequence) => {
        expect(await injectedSequence(specs, sequence)).toEqual(await injectedSequence(specs, sequence));
      }),
      { numRuns: 40 },
    );
  });

  test("a fault's dice do not depend on the faults before it", async () => {
    await fc.assert(
      fc.asyncProperty(oneSpec, oneSpec, ops, async (first, second, sequence) => {
        const a = { ...first, action: { kind: "status" as const, status: 503 } };
        const b = { ...second, action: { kind: "reset" as const }, count: Number.POSITIVE_INFINITY };
        const applied = await injectedSequence([a, b], sequence);
        const bAlone = modelHits(b, sequence);
        // B applies exactly where its own dice say yes and A did not take the request first.
        expect(applied.map((x) => x === 1)).toEqual(bAlone.map((hit, i) => hit && applied[i] !== 0));
      }),
      { numRuns: 40 },
    );
  });

  test("whether and when the handler reads a corrupted body does not shift the dice", async () => {
    const spec = parseFaultSpec("corrupt,rate=0.5,seed=9");
    const run = async (read: boolean): Promise<boolean[]> => {
      const hits: boolean[] = [];
      let hit = false;
      const handler = withFaults(
        async (request) => {
          if (read) await request.arrayBuffer();
          return new Response("ok");
        },
        [spec],
        context,
        () => {
          hit = true;
        },
      );
      for (let i = 0; i < 40; i++) {
        hit = false;
        await handler(new Request("http://h/x", { method: "POST", body: "body" }));
        hits.push(hit);
      }
      return hits;
    };
    const reading = await run(true);
    expect(await run(false)).toEqual(reading);
    expect(reading).toEqual(modelHits(spec, new Array<string>(40).fill("x")));
  });

  test("no specs: the handler itself is returned", () => {
    const handler = () => new Response("x");
    expect(withFaults(handler, [], context)).toBe(handler);
  });
});

describe("withFaults actions", () => {
  test("status drains the whole body, skips the handler and answers the protocol's envelope", async () => {
    const handler = vi.fn(() => new Response("processed"));
    const faulty = withFaults(handler, [parseFaultSpec("status=503")], context);
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled++ < 100) controller.enqueue(new Uint8Array(10_000));
        else controller.close();
      },
    });
    const response = await faulty(
      new Request("http://h/op", { method: "PUT", body, duplex: "half" } as RequestInit),
    );
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ message: "injected fault: status 503" });
    expect(pulled).toBe(101);
    expect(handler).not.toHaveBeenCalled();
  });

  test("delay sleeps the given time (injected clock), then processes", async () => {
    const sleep = vi.fn(async () => {});
    const faulty = withFaults(() => new Response("processed"), [parseFaultSpec("delay=1234")], {
      ...context,
      sleep,
    });
    expect(await (await faulty(new Request("http://h/op"))).text()).toBe("processed");
    expect(sleep).toHaveBeenCalledWith(1234);
  });

  test("onInject names the operation and the action; unmatched operations pass untouched", async () => {
    const onInject = vi.fn();
    const faulty = withFaults(
      () => new Response("ok"),
      [parseFaultSpec("op=list,status=500")],
      context,
      onInject,
    );
    expect((await faulty(new Request("http://h/complete"))).status).toBe(200);
    expect((await faulty(new Request("http://h/list"))).status).toBe(500);
    expect((await faulty(new Request("http://h/"))).status).toBe(200);
    expect(onInject.mock.calls.map((c) => c[0])).toEqual([{ op: "list", action: "status" }]);
  });

  test("over a socket: status keeps the connection usable, reset and drop reset it, drop after processing", async () => {
    let processed = 0;
    const handler = withFaults(
      async (request) => {
        await request.arrayBuffer();
        processed += 1;
        return new Response("stored");
      },
      [
        parseFaultSpec("op=status,status=429"),
        parseFaultSpec("op=reset,reset"),
        parseFaultSpec("op=drop,drop"),
      ],
      context,
    );
    await withServer(handler, async ({ url }) => {
      const body = patternBytes(200_000);
      const limited = await fetch(`${url}/status`, { method: "PUT", body });
      expect(limited.status).toBe(429);
      expect(limited.headers.get("connection")).not.toBe("close");
      await limited.text();
      expect(processed).toBe(0);

      await expect(exchange(`${url}/reset`, { method: "PUT", body })).rejects.toMatchObject({
        code: "ECONNRESET",
      });
      expect(processed).toBe(0);

      await expect(exchange(`${url}/drop`, { method: "PUT", body })).rejects.toMatchObject({
        code: "ECONNRESET",
      });
      expect(processed).toBe(1);

      expect(await (await fetch(`${url}/other`, { method: "PUT", body })).text()).toBe("stored");
    });
  });

  test("corrupt changes exactly one byte of what the handler reads", async () => {
    let seen: Uint8Array | undefined;
    const handler = withFaults(
      async (request) => {
        seen = new Uint8Array(await request.arrayBuffer());
        return new Response("ok");
      },
      [parseFaultSpec("corrupt,seed=5")],
      context,
    );
    await withServer(handler, async ({ url }) => {
      const body = patternBytes(300_000, 3);
      for (let i = 0; i < 3; i++) {
        await (await fetch(url, { method: "PUT", body })).text();
        const differing = [...seen!].flatMap((b, at) => (b === body[at] ? [] : [at]));
        expect(differing).toHaveLength(1);
        expect(seen![differing[0]!]).toBe(body[differing[0]!]! ^ 0xff);
      }
    });
  });
});

describe("corruptBody", () => {
  const request = (bytes: Uint8Array, sizes: number[], withLength: boolean): Request =>
    new Request("http://h/x", {
      method: "PUT",
      body: chunkedStream(bytes, sizes),
      duplex: "half",
      headers: withLength ? { "content-length": String(bytes.length) } : {},
    } as RequestInit);

  test("inverts exactly one byte, anywhere in the body when its length is known", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 5000 }),
        fc.array(fc.integer({ min: 0, max: 700 }), { maxLength: 10 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        async (bytes, sizes, fraction) => {
          const got = await readAll(corruptBody(request(bytes, sizes, true), () => fraction).body);
          const differing = [...got].flatMap((b, at) => (b === bytes[at] ? [] : [at]));
          expect(got.length).toBe(bytes.length);
          expect(differing).toEqual([Math.floor(fraction * bytes.length)]);
          expect(got[differing[0]!]).toBe(bytes[differing[0]!]! ^ 0xff);
        },
      ),
    );
  });

  test("without a length, inverts one byte of the first non-empty chunk", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 5000 }),
        fc.array(fc.integer({ min: 0, max: 700 }), { maxLength: 10 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        async (bytes, sizes, fraction) => {
          const got = await readAll(corruptBody(request(bytes, sizes, false), () => fraction).body);
          const differing = [...got].flatMap((b, at) => (b === bytes[at] ? [] : [at]));
          expect(differing).toHaveLength(1);
          const firstChunk = sizes.find((s) => s > 0) ?? bytes.length;
          expect(differing[0]).toBeLessThan(firstChunk);
        },
      ),
    );
  });

  test("an empty body, or none, is left alone", async () => {
    const bodiless = new Request("http://h/x");
    expect(corruptBody(bodiless, () => 0.5)).toBe(bodiless);
    const empty = await readAll(corruptBody(request(new Uint8Array(0), [], false), () => 0.5).body);
    expect(empty.length).toBe(0);
  });
});
