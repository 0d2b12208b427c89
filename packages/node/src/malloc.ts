/**
 * Keeping glibc from handing a server's memory back to the kernel after every burst.
 *
 * Node's HTTP parser copies every socket read (up to 64 KiB) into a new buffer that `malloc` hands
 * out, and the GC frees thousands of them at once: a GiB of request bodies is a GiB of `malloc` and
 * `free`. glibc returns free memory at the top of its heap to the kernel as soon as more than its
 * trim threshold (128 KiB to begin with) is free, so the next burst faults the same pages in
 * again, one 4 KiB page at a time. Where page faults are dear (virtual machines with shadow paging:
 * about 17 µs a fault on this project's), that is a large share of a server's CPU.
 *
 * glibc adjusts the threshold itself (mallopt(3), M_MMAP_THRESHOLD, "dynamic mmap threshold"): when
 * a block it had to `mmap` (larger than the mmap threshold, at most 32 MiB) is freed, the mmap
 * threshold rises to that block's size and the trim threshold to twice it. Any process that ever
 * frees such a block gets that; a server that only ever allocates small buffers never does.
 * `primeAllocator` allocates and drops one such block (never touched but for one page, so it costs
 * no memory), so once the GC has freed it the heap keeps up to about 64 MiB of free memory for the
 * next burst instead of returning it. Measured on the minimal ingest bench (1 GiB, 4 in flight):
 * 65–103 thousand page faults down to 33–34 thousand, server CPU 4.08–4.12 s down to 3.43–3.66 s per
 * GiB, peak RSS unchanged. Elsewhere (musl, macOS, Windows) it is one short-lived allocation and
 * nothing more.
 */

/** Just under glibc's largest dynamic mmap threshold (32 MiB), counting its chunk header. */
const PRIME_BYTES = 32 * 1024 * 1024 - 64 * 1024;

let primed = false;

/** Raises glibc's dynamic mmap and trim thresholds once per process (see above); idempotent. */
export function primeAllocator(): void {
  if (primed) return;
  primed = true;
  const block = Buffer.allocUnsafeSlow(PRIME_BYTES);
  // The allocation is all that matters; the GC frees it, and that free moves the thresholds.
  block[0] = 0;
}
