/**
 * `parseRelated`: the streaming adapter over the sans-I/O parser (RFC 2046 §5.1.1, RFC 2387; the
 * rules of `parser.ts` and MIME-CONTENT-TYPE).
 *
 * Design rules kept:
 * - Pull, not push: a chunk is read from the source only when the consumer wants an event that the
 *   chunks read so far do not hold, so a slow consumer slows the reading (backpressure), and at most
 *   one source chunk's worth of events is queued.
 * - No part is buffered: a part's body is an async iterable of views of the source's chunks.
 * - Skipping is defined: asking for the next part drains whatever the consumer left unread of the
 *   current one (its bytes are discarded); reading that part's body afterwards throws
 *   `PartSkippedError`, as does reading any part's body after the parts iteration was closed.
 * - Closing the parts iteration early (`break`), a parser error or a source error cancels the source.
 * - The parser's errors are thrown from whichever iterator (parts or body) is being read when the
 *   event that failed is reached; bytes before it are delivered first.
 */

import { parseContentType } from "./content-type.ts";
import { PartSkippedError } from "./errors.ts";
import type { RelatedLimits, RelatedParser } from "./parser.ts";
import { createRelatedParser } from "./parser.ts";

/** One body part. Its body can be read once, and only before the next part is requested. */
export interface RelatedPart {
  /** Zero-based position in the body; part 0 is the root unless the `start` parameter says otherwise. */
  readonly index: number;
  /** Header fields with lower-case names; repeated fields are joined by ", ". */
  readonly headers: ReadonlyMap<string, string>;
  /** The part's content as it arrives (no Content-Transfer-Encoding is undone). */
  readonly body: AsyncIterable<Uint8Array>;
}

/** Limits enforced while parsing; see `RelatedLimits`. */
export type RelatedParseOptions = RelatedLimits;

/**
 * Parses a `multipart/*` body (RFC 2046 syntax, as `multipart/related` uses it) as it streams in,
 * yielding each part as soon as its header section is complete; its body then streams as views
 * of the source's chunks. The source is read only as the consumer pulls.
 *
 * Asking for the next part skips the rest of the current one: its unread content is drained and
 * discarded, and reading its body afterwards throws `PartSkippedError`. Leaving the loop early
 * cancels the source. Throws `ContentTypeError` or `BoundaryError` at once when `contentType` is
 * unusable; the parser's errors (`RelatedParseError`, one class per rule) and the source's own
 * errors are thrown by the iterator being read, after which the parts iteration is over.
 */
export function parseRelated(
  contentType: string,
  body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>,
  options: RelatedParseOptions = {},
): AsyncGenerator<RelatedPart, void, undefined> {
  const { boundary } = parseContentType(contentType);
  return iterateParts(new Driver(boundary, openSource(body), options));
}

interface Source {
  next(): Promise<{ readonly done?: boolean | undefined; readonly value?: Uint8Array | undefined }>;
  cancel(): Promise<void>;
}

function openSource(body: AsyncIterable<Uint8Array> | ReadableStream<Uint8Array>): Source {
  if (typeof (body as ReadableStream<Uint8Array>).getReader === "function") {
    const reader = (body as ReadableStream<Uint8Array>).getReader();
    return { next: () => reader.read(), cancel: () => reader.cancel() };
  }
  const iterator = (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  return {
    next: () => iterator.next(),
    cancel: async () => {
      await iterator.return?.();
    },
  };
}

class PartStart {
  constructor(readonly headers: ReadonlyMap<string, string>) {}
}
const PART_END: unique symbol = Symbol("part end");
const BODY_END: unique symbol = Symbol("body end");
/** Parser output, queued: content views travel as themselves, so the hot path allocates nothing. */
type Event = PartStart | Uint8Array | typeof PART_END | typeof BODY_END;

/** Connects the source to the parser and hands its events out one by one. */
class Driver {
  private readonly parser: RelatedParser;
  private queue: Event[] = [];
  private head = 0;
  private error: { readonly value: unknown } | undefined;
  /** The source is done, failed or cancelled: nothing more will be read. */
  private finished = false;
  private reading: Promise<void> | undefined;

  constructor(
    boundary: string,
    private readonly source: Source,
    limits: RelatedLimits,
  ) {
    this.parser = createRelatedParser(
      { ...limits, boundary },
      {
        onPartStart: (headers) => this.queue.push(new PartStart(headers)),
        onPartData: (chunk) => this.queue.push(chunk),
        onPartEnd: () => this.queue.push(PART_END),
        onEnd: () => this.queue.push(BODY_END),
        onError: (error) => {
          this.error ??= { value: error };
        },
      },
    );
  }

  /** The next event, reading the source as needed; throws the parser's or the source's error. */
  async next(): Promise<Event> {
    for (;;) {
      if (this.head < this.queue.length) {
        const event = this.queue[this.head++]!;
        if (this.head === this.queue.length) {
          this.queue = [];
          this.head = 0;
        }
        return event;
      }
      if (this.error !== undefined) throw this.error.value;
      if (this.finished) return BODY_END;
      // Concurrent readers (a body and the parts iterator) share one read of the source.
      this.reading ??= this.read().finally(() => {
        this.reading = undefined;
      });
      await this.reading;
    }
  }

  /** Stops reading: cancels the source unless it already ended. */
  async close(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    try {
      await this.source.cancel();
    } catch {
      // Cancelling is cleanup after the consumer or an error already ended the iteration; a
      // failure to cancel has nobody left to report to.
    }
  }

  private async read(): Promise<void> {
    let result: Awaited<ReturnType<Source["next"]>>;
    try {
      result = await this.source.next();
    } catch (error) {
      this.finished = true;
      this.error ??= { value: error };
      return;
    }
    if (result.done) {
      this.finished = true;
      this.parser.end();
    } else if (result.value !== undefined) {
      this.parser.write(result.value);
    }
    if (this.error !== undefined) await this.close();
  }
}

interface PartState {
  readonly index: number;
  /** Its `PART_END` was consumed. */
  ended: boolean;
  /** The iteration moved past it before its body was read to the end. */
  skipped: boolean;
}

async function* iterateParts(driver: Driver): AsyncGenerator<RelatedPart, void, undefined> {
  let current: PartState | undefined;
  let index = 0;
  try {
    for (;;) {
      if (current !== undefined && !current.ended) {
        current.skipped = true;
        while (!current.ended) {
          const event = await driver.next();
          if (event === PART_END || event === BODY_END) current.ended = true;
        }
      }
      const event = await driver.next();
      if (event === BODY_END) return;
      if (!(event instanceof PartStart)) continue; // never: content only follows a PartStart
      const part: PartState = { index: index++, ended: false, skipped: false };
      current = part;
      yield { index: part.index, headers: event.headers, body: readBody(driver, part) };
    }
  } finally {
    if (current !== undefined && !current.ended) current.skipped = true;
    await driver.close();
  }
}

async function* readBody(driver: Driver, part: PartState): AsyncGenerator<Uint8Array, void, undefined> {
  for (;;) {
    if (part.skipped) throw new PartSkippedError(part.index);
    if (part.ended) return;
    const event = await driver.next();
    if (event === PART_END || event === BODY_END) {
      part.ended = true;
      return;
    }
    if (part.skipped) throw new PartSkippedError(part.index);
    if (!(event instanceof PartStart)) yield event; // never a PartStart: parts do not nest
  }
}
