/**
 * A file as a random-access source for the engine's chunker (`RandomAccessSource`): each part is
 * read straight into a buffer of its own size with positioned reads, so parts can be read in any
 * order and concurrently from one handle.
 */
import { open } from "node:fs/promises";
import type { RandomAccessSource } from "@partwise/engine";

export interface FileSource extends RandomAccessSource {
  readonly path: string;
  /** Modification time in ms since the epoch, to notice a file that changed between runs. */
  readonly mtimeMs: number;
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
  return {
    path,
    size: info.size,
    mtimeMs: info.mtimeMs,
    /** `length` bytes from `offset`; fewer only at the end of the file (the engine checks). */
    async read(offset: number, length: number): Promise<Uint8Array> {
      const bytes = new Uint8Array(length);
      let filled = 0;
      while (filled < length) {
        const { bytesRead } = await handle.read(bytes, filled, length - filled, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === length ? bytes : bytes.subarray(0, filled);
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
