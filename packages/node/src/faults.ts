/**
 * Fault injection for the reference servers, chosen by configuration and deterministic with a
 * seed, so a client test can demand "20% of part uploads answer 503, 5% reset mid-body" and a
 * failing run can be replayed.
 *
 * A fault spec is a comma-separated list (the `--fault` flag of `partwise serve`):
 *
 *   op=<operationId|*>   which requests (default every one; an operationId of specs/*.yaml)
 *   exactly one action:
 *     status=<code>      answer this status (400–599) in the protocol's error envelope, after
 *                        reading the request body but without processing it
 *     reset              read part of the request body, then drop the connection (nothing stored)
 *     drop               process the request, then drop the connection (the answer is lost)
 *     corrupt            invert one byte of the request body before the server sees it
 *     delay=<ms>         wait, then process normally
 *   rate=<0..1>          probability per matching request (default 1)
 *   after=<n>            let the first n matching requests through untouched (default 0)
 *   count=<n>            inject at most n times (default unlimited)
 *   seed=<n>             seed of this fault's random choices, 0..2^32-1 (default 1)
 *
 * Items are separated by commas, spaces around them are ignored, each key may appear once, and
 * numbers are plain decimals (no sign, exponent or hex). Several `--fault` flags make a list;
 * the first fault that fires on a request applies.
 *
 * Examples: `op=uploadFilePart,status=503,rate=0.2` · `op=*,reset,rate=0.05,seed=7`.
 */
import { ConnectionResetSignal, type FetchHandler } from "./listen.ts";

export type FaultAction =
  | { readonly kind: "status"; readonly status: number }
  | { readonly kind: "reset" }
  | { readonly kind: "drop" }
  | { readonly kind: "corrupt" }
  | { readonly kind: "delay"; readonly ms: number };

export interface FaultSpec {
  readonly op: string;
  readonly action: FaultAction;
  readonly rate: number;
  readonly after: number;
  readonly count: number;
  readonly seed: number;
}

/** A `--fault` spec that does not parse; the message names the offending part. */
export class FaultSpecError extends Error {
  override readonly name = "FaultSpecError";
  readonly code = "PW_FAULT_SPEC" as const;
}

const ACTIONS = "status=<code>, reset, drop, corrupt or delay=<ms>";
const UNSIGNED = /^[0-9]+$/;
const DECIMAL = /^(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/;
const OPERATION = /^(?:\*|[A-Za-z][A-Za-z0-9_]*)$/;

export function parseFaultSpec(text: string): FaultSpec {
  const fail: (problem: string) => never = (problem) => {
    throw new FaultSpecError(`fault "${text}": ${problem}`);
  };
  let op = "*";
  let action: FaultAction | undefined;
  let rate = 1;
  let after = 0;
  let count = Number.POSITIVE_INFINITY;
  let seed = 1;
  const seen = new Set<string>();
  const integer = (key: string, value: string | undefined, min: number, max: number): number => {
    const n = Number(value);
    if (value === undefined || !UNSIGNED.test(value) || n < min || n > max)
      fail(
        `${key} must be an integer from ${min} to ${max}, not ${value === undefined ? "nothing" : `"${value}"`}`,
      );
    return n;
  };
  const items = text
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const item of items) {
    const eq = item.indexOf("=");
    const key = eq === -1 ? item : item.slice(0, eq).trim();
    const value = eq === -1 ? undefined : item.slice(eq + 1).trim();
    const isAction =
      key === "status" || key === "delay" || key === "reset" || key === "drop" || key === "corrupt";
    if (isAction && action) fail(`names two actions ("${action.kind}" and "${key}"); give one of ${ACTIONS}`);
    if (!isAction && seen.has(key)) fail(`gives ${key} twice`);
    seen.add(key);
    switch (key) {
      case "op":
        if (value === undefined || !OPERATION.test(value))
          fail(
            `op must be "*" or an operationId (letters, digits, "_"), not ${value === undefined ? "nothing" : `"${value}"`}`,
          );
        op = value;
        break;
      case "status":
        action = { kind: "status", status: integer("status", value, 400, 599) };
        break;
      case "delay":
        action = { kind: "delay", ms: integer("delay", value, 0, 600_000) };
        break;
      case "reset":
      case "drop":
      case "corrupt":
        if (value !== undefined) fail(`${key} takes no value`);
        action = { kind: key };
        break;
      case "rate": {
        const r = Number(value);
        if (value === undefined || !DECIMAL.test(value) || !(r >= 0 && r <= 1))
          fail(`rate must be a number from 0 to 1, not ${value === undefined ? "nothing" : `"${value}"`}`);
        rate = r;
        break;
      }
      case "after":
        after = integer("after", value, 0, Number.MAX_SAFE_INTEGER);
        break;
      case "count":
        count = integer("count", value, 0, Number.MAX_SAFE_INTEGER);
        break;
      case "seed":
        seed = integer("seed", value, 0, 2 ** 32 - 1);
        break;
      default:
        fail(`unknown key "${key}" (known: op, ${ACTIONS}, rate, after, count, seed)`);
    }
  }
  if (!action) fail(`names no action; give one of ${ACTIONS}`);
  return { op, action, rate, after, count, seed };
}

/** mulberry32: a tiny, fast, well-distributed 32-bit PRNG; enough for fault dice. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FaultContext {
  /** The operationId of the request (from the protocol's spec), or undefined when unknown. */
  readonly operationOf: (request: Request) => string | undefined;
  /** The protocol's error envelope for an injected status. */
  readonly errorResponse: (status: number, message: string) => Response;
  /** Sleeps; injectable so tests need no real time. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What was injected, for tests and server logs. */
export interface InjectedFault {
  readonly op: string;
  readonly action: FaultAction["kind"];
}

/**
 * Wraps a handler with the given faults.
 *
 * Each fault keeps its own counters and its own random stream: every request a fault matches
 * counts towards its `after`, and once past `after` (and while under `count`) rolls its dice, one
 * draw from its stream (a `corrupt` fault draws a second number, the byte to flip, at the same
 * moment), whether or not another fault takes the request. So a fault's outcomes depend only on
 * its seed and the order of the requests it matches, never on the other faults or on when bodies
 * arrive; with requests in the same order (one client, concurrency 1), the same seed injects the
 * same faults. The first fault (in the order given) whose dice say yes applies; only an applied
 * fault counts towards its `count`.
 */
export function withFaults(
  handler: FetchHandler,
  specs: readonly FaultSpec[],
  context: FaultContext,
  onInject?: (fault: InjectedFault, request: Request) => void,
): FetchHandler {
  if (specs.length === 0) return handler;
  const state = specs.map((spec) => ({ spec, random: seededRandom(spec.seed), seen: 0, injected: 0 }));
  const sleep = context.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  return async (request) => {
    const op = context.operationOf(request);
    let chosen: { spec: FaultSpec; at: number } | undefined;
    for (const s of state) {
      if (s.spec.op !== "*" && s.spec.op !== op) continue;
      s.seen += 1;
      if (s.seen <= s.spec.after || s.injected >= s.spec.count) continue;
      const hit = s.random() < s.spec.rate;
      const at = s.spec.action.kind === "corrupt" ? s.random() : 0;
      if (hit && !chosen) {
        s.injected += 1;
        chosen = { spec: s.spec, at };
      }
    }
    if (!chosen) return handler(request);
    const action = chosen.spec.action;
    onInject?.({ op: op ?? "unknown", action: action.kind }, request);
    switch (action.kind) {
      case "status":
        // Read the whole body first, as a server that refuses after reading would, so the
        // connection stays usable for the client's retry.
        await drain(request.body, Number.POSITIVE_INFINITY);
        return context.errorResponse(action.status, `injected fault: status ${action.status}`);
      case "delay":
        await sleep(action.ms);
        return handler(request);
      case "reset":
        // Take some of the body, as a connection that breaks mid-upload would, then drop it.
        await drain(request.body, 64 * 1024);
        throw new ConnectionResetSignal("injected fault: reset");
      case "drop": {
        const response = await handler(request);
        await response.body?.cancel();
        throw new ConnectionResetSignal("injected fault: response dropped");
      }
      case "corrupt": {
        const at = chosen.at;
        return handler(corruptBody(request, () => at));
      }
    }
  };
}

async function drain(body: ReadableStream<Uint8Array> | null, limit: number): Promise<void> {
  if (!body) return;
  const reader = body.getReader();
  let read = 0;
  try {
    while (read < limit) {
      const { done, value } = await reader.read();
      if (done) return;
      read += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/**
 * The same request with exactly one byte of its body inverted (XOR 0xff). The byte is chosen with
 * one draw of `random`: uniformly over the whole body when `Content-Length` gives its size,
 * otherwise within the first non-empty chunk. A body that ends before the chosen byte (shorter
 * than it claimed) is passed on unchanged; an empty body stays empty.
 */
export function corruptBody(request: Request, random: () => number): Request {
  if (!request.body) return request;
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  const fraction = random();
  let target = Number.isSafeInteger(declared) && declared > 0 ? Math.floor(fraction * declared) : -1;
  let offset = 0;
  const flip = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      if (chunk.length > 0 && target < 0) target = offset + Math.floor(fraction * chunk.length);
      if (target >= offset && target < offset + chunk.length) {
        const copy = new Uint8Array(chunk);
        copy[target - offset] = copy[target - offset]! ^ 0xff;
        controller.enqueue(copy);
      } else controller.enqueue(chunk);
      offset += chunk.length;
    },
  });
  return new Request(request, { body: request.body.pipeThrough(flip), duplex: "half" } as RequestInit);
}
