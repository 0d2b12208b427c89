/**
 * A file as a random-access source for the engine's chunker (`RandomAccessSource`): each part is
 * read with positioned reads, so parts can be read in any order and concurrently from one handle.
 * `read` fills a new buffer of the part's size; `readInto` fills the caller's (a pooled part
 * buffer, see the engine's `createPartBufferPool`), so an upload need not allocate one per part.
 */
import { open } from "node:fs/promises";
import type { RandomAccessSource } from "@partwise/engine";

export interface FileSource extends RandomAccessSource {
  readonly path: string;
  /** Modification time in ms since the epoch, to notice a file that changed between runs. */
  readonly mtimeMs: number;
  /** Fills `target` from `offset` with positioned reads; the bytes written, fewer only at the end of the file. */
  readInto(offset: number, target: Uint8Array): Promise<number>;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function fileSource(path: string): Promise<FileSource> {
  const handle = await open(path, "r");
  let info: Awaited<ReturnType<typeof handle.stat>>;
  try {
    // The size of what was opened, even if the path is replaced meanwhile.
    info = await handle.stat();
  } catch (error) {
    await handle.close();
    throw error;
  }
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= handle.close();
    return closed;
  };
  const fill = async (offset: number, target: Uint8Array): Promise<number> => {
    let filled = 0;
    while (filled < target.length) {
      const { bytesRead } = await handle.read(target, filled, target.length - filled, offset + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled;
  };
  return {
    path,
    size: info.size,
    mtimeMs: info.mtimeMs,
    /** `length` bytes from `offset`; fewer only at the end of the file (the engine checks). */
    async read(offset: number, length: number): Promise<Uint8Array> {
      // Not zero-filled: every byte returned is overwritten by the read.
      const bytes = length === 0 ? new Uint8Array(0) : new Uint8Array(Buffer.allocUnsafeSlow(length).buffer);
      const filled = await fill(offset, bytes);
      // A short read is copied out, so no unwritten (uninitialised) memory is reachable.
      return filled === length ? bytes : bytes.slice(0, filled);
    },
    /** Fills `target` from `offset`; returns the bytes written, fewer only at the end of the file. */
    readInto: (offset: number, target: Uint8Array): Promise<number> => fill(offset, target),
    close,
    [Symbol.asyncDispose]: close,
  };
}
