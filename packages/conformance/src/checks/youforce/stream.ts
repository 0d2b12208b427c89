/**
 * Large request bodies generated as they are sent, never held in memory: a head, `fillSize` bytes
 * cut from a repeating block, and a tail. Each chunk is charged to the data budget as it is pulled
 * (so the budget counts what was really sent), and `stop()` ends the stream once the server has
 * answered, so a refusal that comes early spares the rest of the upload.
 */
import { CheckSkipped } from "../../check.ts";
import type { CheckContext } from "../../context.ts";

export interface GeneratedBody {
  readonly stream: ReadableStream<Uint8Array>;
  /** The body's exact size. */
  readonly size: number;
  /** Bytes handed to the HTTP client so far. */
  sent(): number;
  /** Ends the body: the next pull errors it, and the HTTP client drops the connection. */
  stop(): void;
  /** The budget ran out while sending (`ctx.spend` skipped the check). */
  readonly skipped: () => CheckSkipped | undefined;
}

const CHUNK = 1 << 20;

export function generatedBody(
  ctx: CheckContext,
  parts: {
    readonly head: Uint8Array;
    readonly fillSize: number;
    readonly block: Uint8Array;
    readonly tail: Uint8Array;
  },
): GeneratedBody {
  const { head, fillSize, tail } = parts;
  // One reusable chunk of the repeating block; it is never written to after this.
  const chunk = new Uint8Array(CHUNK);
  for (let i = 0; i < CHUNK; i += parts.block.length) chunk.set(parts.block.subarray(0, CHUNK - i), i);
  let filled = 0;
  let sent = 0;
  let stage: "head" | "fill" | "tail" | "done" = "head";
  let stopped = false;
  let skipped: CheckSkipped | undefined;

  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (stopped) return controller.error(new Error("the check stopped sending: the server has answered"));
        let next: Uint8Array;
        if (stage === "head") {
          next = head;
          stage = fillSize > 0 ? "fill" : "tail";
        } else if (stage === "fill") {
          const n = Math.min(CHUNK - (filled % parts.block.length), fillSize - filled);
          next = chunk.subarray(filled % parts.block.length, (filled % parts.block.length) + n);
          filled += n;
          if (filled >= fillSize) stage = "tail";
        } else if (stage === "tail") {
          next = tail;
          stage = "done";
        } else return controller.close();
        try {
          ctx.spend(next.length);
        } catch (error) {
          if (error instanceof CheckSkipped) skipped = error;
          return controller.error(error);
        }
        sent += next.length;
        controller.enqueue(next);
      },
    },
    { highWaterMark: 0 },
  );
  return {
    stream,
    size: head.length + fillSize + tail.length,
    sent: () => sent,
    stop: () => {
      stopped = true;
    },
    skipped: () => skipped,
  };
}
