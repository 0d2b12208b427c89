/**
 * The `Range` cases every reference server answers alike (RFC 9110 §14), over a file of 300 bytes
 * stored as three blobs of 100, so ranges cross blob boundaries: the unit in any case, a range
 * across blobs, suffix and open ranges, and an end past the file.
 */
import { expect } from "vitest";

const SATISFIABLE = [
  ["Bytes=0-9", 0, 9],
  ["BYTES=95-104", 95, 104],
  ["bytes=-10", 290, 299],
  ["bytes=250-", 250, 299],
  ["bytes=199-5000", 199, 299],
] as const;

/** Each range is answered 206 with its `Content-Range` and exactly its bytes of `file` (300 bytes). */
export async function expectRangesServed(
  get: (range: string) => Promise<Response>,
  file: Uint8Array,
): Promise<void> {
  expect(file.length).toBe(300);
  for (const [range, start, end] of SATISFIABLE) {
    const response = await get(range);
    expect(response.status, range).toBe(206);
    expect(response.headers.get("content-range"), range).toBe(`bytes ${start}-${end}/300`);
    expect([...new Uint8Array(await response.arrayBuffer())], range).toEqual([
      ...file.subarray(start, end + 1),
    ]);
  }
}
