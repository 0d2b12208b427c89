/**
 * A Node request body, read on demand with `req.read()`: the socket is read only as fast as the
 * reader asks (TCP backpressure), and nothing is queued ahead of it beyond Node's own high-water
 * mark. Listening starts at the first read, so a body nobody reads is left to Node, which discards
 * it by itself once the response is sent.
 *
 * The listener hands it to handlers as `request.body`, a Web stream. Web streams cost a handful of
 * promises per chunk, which at 64 KiB chunks is a noticeable share of a server's CPU per GiB; so
 * `nodeChunks` lets the disk store take the chunks of an untouched body straight from Node.
 */
import type { IncomingMessage } from "node:http";

export class NodeBody {
  /** The body has been read from (so `Expect: 100-continue` has been answered). */
  started = false;
  /** The reader cancelled the body: it will read no more. */
  cancelled = false;
  ended = false;
  /** Bytes read so far. */
  read = 0;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;
  private readonly signal = (): void => {
    const resume = this.wake;
    this.wake = undefined;
    resume?.();
  };
  private readonly onEnd = (): void => {
    this.ended = true;
    this.signal();
  };
  private readonly onError = (error: Error): void => {
    this.failure ??= error;
    this.signal();
  };
  private readonly onClose = (): void => {
    if (!this.ended)
      this.failure ??= Object.assign(new Error("aborted: the client closed the connection"), {
        code: "ECONNRESET",
      });
    this.signal();
  };

  constructor(
    private readonly req: IncomingMessage,
    private readonly onFirstRead?: () => void,
  ) {}

  /** The next chunk, or null at the end; rejects when the client goes away mid-body. */
  async next(): Promise<Buffer | null> {
    if (!this.started) {
      this.started = true;
      this.req.on("readable", this.signal);
      this.req.on("end", this.onEnd);
      this.req.on("error", this.onError);
      this.req.on("close", this.onClose);
      this.onFirstRead?.();
    }
    for (;;) {
      if (this.cancelled) return null;
      const chunk = this.req.read() as Buffer | null;
      if (chunk !== null) {
        this.read += chunk.length;
        return chunk;
      }
      if (this.ended || this.req.readableEnded) {
        this.ended = true;
        this.detach();
        return null;
      }
      // The client may have gone before the first read attached our listeners: a destroyed
      // request that never ended will emit nothing more, so waiting would hang for good.
      if (
        !this.failure &&
        (this.req.destroyed || this.req.readableAborted || this.req.errored) &&
        !this.req.readableEnded
      )
        this.failure = Object.assign(new Error("aborted: the client closed the connection"), {
          code: "ECONNRESET",
        });
      if (this.failure) {
        this.detach();
        throw this.failure;
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  /** Fails the reader's pending and next reads with `error` (the listener's body idle timeout). */
  fail(error: Error): void {
    this.failure ??= error;
    this.signal();
  }

  cancel(): void {
    this.cancelled = true;
    this.detach();
  }

  /** Stops listening to the Node request (after the end, an error, a cancel, or the response). */
  detach(): void {
    this.req.off("readable", this.signal);
    this.req.off("end", this.onEnd);
    this.req.off("error", this.onError);
    this.req.off("close", this.onClose);
    this.signal();
  }

  /** The body as a Web stream that pulls only when read; cancelling it only stops reading. */
  stream(): ReadableStream<Uint8Array> {
    const stream = new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          const chunk = await this.next();
          if (chunk === null) controller.close();
          else controller.enqueue(chunk);
        },
        cancel: () => this.cancel(),
      },
      { highWaterMark: 0 },
    );
    bodies.set(stream, this);
    return stream;
  }
}

const bodies = new WeakMap<ReadableStream<Uint8Array>, NodeBody>();

/**
 * The chunks of a listener's `request.body` straight from Node, when that stream is untouched
 * (never read, not locked); the stream is locked for good, as reading it would. Each chunk is a
 * fresh buffer nobody else holds. Undefined for any other stream: read it as a Web stream.
 */
export function nodeChunks(stream: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> | undefined {
  const body = bodies.get(stream);
  if (body === undefined || body.started || stream.locked) return undefined;
  stream.getReader();
  return {
    async *[Symbol.asyncIterator]() {
      try {
        for (;;) {
          const chunk = await body.next();
          if (chunk === null) return;
          yield chunk;
        }
      } finally {
        if (!body.ended) body.cancel();
      }
    },
  };
}
