/**
 * Fault injection for the reference servers, chosen by configuration and deterministic with a
 * seed, so a client test can demand "20% of part uploads answer 503, 5% reset mid-body" and a
 * failing run can be replayed.
 *
 * A fault spec is a comma-separated list (the `--fault` flag of `partwise serve`):
 *
 *   op=<operationId|*>   which requests (default every one; an operationId of specs/*.yaml)
 *   one action:
 *     status=<code>      answer this status in the protocol's error envelope, without processing
 *     reset              read part of the request body, then drop the connection (nothing stored)
 *     drop               process the request, then drop the connection (the answer is lost)
 *     corrupt            flip one byte of the request body before the server sees it
 *     delay=<ms>         wait, then process normally
 *   rate=<0..1>          probability per matching request (default 1)
 *   after=<n>            let the first n matching requests through untouched (default 0)
 *   count=<n>            inject at most n times (default unlimited)
 *   seed=<n>             seed of this fault's random choices (default 1)
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
}

export function parseFaultSpec(text: string): FaultSpec {
  let op = "*";
  let action: FaultAction | undefined;
  let rate = 1;
  let after = 0;
  let count = Number.POSITIVE_INFINITY;
  let seed = 1;
  const setAction = (next: FaultAction) => {
    if (action) throw new FaultSpecError(`fault "${text}" names two actions`);
    action = next;
  };
  const integer = (key: string, value: string | undefined, min: number, max: number): number => {
    const n = Number(value);
    if (value === undefined || !Number.isInteger(n) || n < min || n > max)
      throw new FaultSpecError(`fault "${text}": ${key} must be an integer from ${min} to ${max}`);
    return n;
  };
  for (const item of text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [key, value] = item.split("=", 2) as [string, string | undefined];
    switch (key) {
      case "op":
        if (!value || !/^[A-Za-z*][A-Za-z0-9_*]*$/.test(value))
          throw new FaultSpecError(`fault "${text}": bad op`);
        op = value;
        break;
      case "status":
        setAction({ kind: "status", status: integer("status", value, 100, 599) });
        break;
      case "delay":
        setAction({ kind: "delay", ms: integer("delay", value, 0, 600_000) });
        break;
      case "reset":
      case "drop":
      case "corrupt":
        if (value !== undefined) throw new FaultSpecError(`fault "${text}": ${key} takes no value`);
        setAction({ kind: key });
        break;
      case "rate": {
        const r = Number(value);
        if (value === undefined || !(r >= 0 && r <= 1))
          throw new FaultSpecError(`fault "${text}": rate must be in [0, 1]`);
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
        throw new FaultSpecError(`fault "${text}": unknown key "${key}"`);
    }
  }
  if (!action)
    throw new FaultSpecError(`fault "${text}" names no action (status=, reset, drop, corrupt, delay=)`);
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
 * Wraps a handler with the given faults. Each fault keeps its own counters and random stream;
 * the first fault whose dice say yes applies to a request.
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
    const chosen = state.find((s) => {
      if (s.spec.op !== "*" && s.spec.op !== op) return false;
      s.seen += 1;
      if (s.seen <= s.spec.after || s.injected >= s.spec.count) return false;
      // Always draw, so one request's outcome never shifts the dice of the next ones.
      const hit = s.random() < s.spec.rate;
      if (hit) s.injected += 1;
      return hit;
    });
    if (!chosen) return handler(request);
    const action = chosen.spec.action;
    onInject?.({ op: op ?? "unknown", action: action.kind }, request);
    switch (action.kind) {
      case "status":
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
      case "corrupt":
        return handler(corruptBody(request, chosen.random));
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

/** The same request with one byte of its body flipped (the first non-empty chunk's, at random). */
export function corruptBody(request: Request, random: () => number): Request {
  if (!request.body) return request;
  let done = false;
  const flip = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      if (!done && chunk.length > 0) {
        const copy = new Uint8Array(chunk);
        const at = Math.floor(random() * copy.length);
        copy[at] = copy[at]! ^ 0xff;
        done = true;
        controller.enqueue(copy);
      } else controller.enqueue(chunk);
    },
  });
  return new Request(request, { body: request.body.pipeThrough(flip), duplex: "half" } as RequestInit);
}
