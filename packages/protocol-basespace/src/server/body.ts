/**
 * Request bodies as async iterables of chunks that end — with `ClientGoneError` — when the client
 * goes away. The Web stream the Node listener hands over (`Readable.toWeb(req)`) can leave a read
 * pending forever when the connection dies before the handler reads (observed on Node 20: a
 * chunked body cut mid-chunk), so every read also watches `request.signal`, which the listener
 * aborts when the connection closes early. Without this a truncated request would hold its temp
 * file and handler open for good.
 */

export class ClientGoneError extends Error {
  override readonly name = "ClientGoneError";
  constructor() {
    super("the client closed the connection before the body was complete");
  }
}

export async function* bodyChunks(
  body: ReadableStream<Uint8Array> | null,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array, void, undefined> {
  if (body === null) return;
  const reader = body.getReader();
  // One pending read at a time; the abort listener rejects it (no per-chunk listeners pile up).
  let rejectRead: ((error: Error) => void) | undefined;
  const onAbort = () => rejectRead?.(new ClientGoneError());
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    for (;;) {
      const result = await new Promise<ReadableStreamReadResult<Uint8Array>>((resolve, reject) => {
        if (signal.aborted) {
          reject(new ClientGoneError());
          return;
        }
        rejectRead = reject;
        reader.read().then(resolve, reject);
      });
      rejectRead = undefined;
      if (result.done) return;
      yield result.value;
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    // Not awaited: on a dead connection the cancel itself may never settle.
    reader.cancel().catch(() => {});
  }
}
