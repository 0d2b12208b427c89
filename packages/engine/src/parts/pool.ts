/**
 * Reusable part buffers, so an upload's memory is bounded by the parts in flight and not by when
 * the garbage collector gets round to freeing the parts already sent.
 *
 * Why: V8 frees large ArrayBuffers lazily. A 4 GiB stream cut into 16 MiB parts allocates 256
 * buffers; with four in flight, the dropped ones can pile up to several times the in-flight size
 * before a collection runs. With a pool, the consumer hands each part's bytes back once they are
 * sent and `chunkStream` fills the same buffers again.
 *
 * Ownership rule: after `release(bytes)` the caller must not touch `bytes` again.
 */

export interface PartBufferPool {
  /** A buffer of exactly `size` bytes: a released one when there is one, else a new one. */
  acquire(size: number): Uint8Array;
  /** Gives a part's bytes (or any view of a buffer from `acquire`) back for reuse. */
  release(bytes: Uint8Array): void;
  /** Buffers waiting for reuse. */
  readonly idle: number;
}

/** A pool that keeps at most `maxIdle` released buffers (default 8) and drops the rest. */
export function createPartBufferPool(options: { readonly maxIdle?: number } = {}): PartBufferPool {
  const maxIdle = options.maxIdle ?? 8;
  const free: ArrayBuffer[] = [];
  const owned = new WeakSet<ArrayBuffer>();
  return {
    acquire(size: number): Uint8Array {
      const at = free.findIndex((buffer) => buffer.byteLength === size);
      if (at !== -1) return new Uint8Array(free.splice(at, 1)[0]!);
      const bytes = new Uint8Array(size);
      owned.add(bytes.buffer);
      return bytes;
    },
    release(bytes: Uint8Array): void {
      const buffer = bytes.buffer as ArrayBuffer;
      // Only whole buffers this pool made come back, once: a copied-out final part or a
      // double release must not hand the same memory to two parts.
      if (!owned.has(buffer) || free.includes(buffer)) return;
      if (free.length >= maxIdle) free.shift();
      free.push(buffer);
    },
    get idle(): number {
      return free.length;
    },
  };
}
