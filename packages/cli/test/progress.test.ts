import { PassThrough } from "node:stream";
import { describe, expect, test } from "vitest";
import {
  createBatchProgress,
  createProgress,
  doneLine,
  formatDuration,
  Throughput,
} from "../src/progress.ts";
import { formatBytes, parseBytes, UsageError } from "../src/usage.ts";

const MiB = 1024 * 1024;

/** A fake terminal: what the bar wrote, escape codes removed. */
function terminal() {
  const stream = Object.assign(new PassThrough(), {
    isTTY: true,
    columns: 200,
    cursorTo() {},
    clearLine() {},
    moveCursor() {},
  });
  let text = "";
  stream.on("data", (d) => (text += d));
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape codes
  return { stream, text: () => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "") };
}

describe("sizes", () => {
  test.each([
    ["16MiB", 16 * MiB],
    ["16 mib", 16 * MiB],
    ["500KiB", 500 * 1024],
    ["2GiB", 2 * 1024 ** 3],
    ["5MB", 5e6],
    ["1GB", 1e9],
    ["5242880", 5242880],
  ])("parseBytes(%j) = %d", (text, bytes) => {
    expect(parseBytes("part-size", text)).toBe(bytes);
  });

  test.each(["0", "-1", "1.5MiB", "16 parsecs", "", "MiB"])("parseBytes(%j) is a usage error", (text) => {
    expect(() => parseBytes("part-size", text)).toThrow(UsageError);
    expect(() => parseBytes("part-size", text)).toThrow(/--part-size/);
  });

  test.each([
    [0, "0 B"],
    [1023, "1023 B"],
    [1536, "1.5 KiB"],
    [300 * MiB, "300.0 MiB"],
    [1.2 * 1024 ** 3, "1.20 GiB"],
  ])("formatBytes(%d) = %j", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  test.each([
    [undefined, "?"],
    [0.2, "1s"],
    [59, "59s"],
    [245, "4m05s"],
    [7380, "2h03m"],
  ])("formatDuration(%j) = %j", (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe("throughput and ETA", () => {
  test("bytes per second over the window, and the time left at that rate", () => {
    let now = 0;
    const t = new Throughput(5_000, () => now);
    t.add(0);
    expect(t.rate()).toBeUndefined();
    for (let s = 1; s <= 10; s++) {
      now = s * 1000;
      t.add(s * 2 * MiB);
    }
    expect(t.rate()).toBe(2 * MiB);
    expect(t.eta(10 * MiB)).toBe(5);
    // The window forgets old samples: a stall shows as a lower rate, not the run's average.
    now = 15_000;
    t.add(20 * MiB);
    expect(t.rate()).toBeLessThan(2 * MiB);
  });
});

describe("the bar on a terminal", () => {
  test("a file: percentage, sizes with units, speed, ETA, and the id and place at the end", () => {
    const term = terminal();
    const progress = createProgress(term.stream, { quiet: false, total: 12 * MiB });
    progress.update({ bytesSent: 5 * MiB, bytesAccepted: 5 * MiB, partsDone: 1, partsTotal: 3 });
    progress.done({ size: 12 * MiB, parts: 3, id: "file-1", name: "a.bin", where: "in project team/cli" });
    const text = term.text();
    expect(text).toMatch(/100% \| 12\.0 MiB of 12\.0 MiB \| .*\/s \| ETA 0s \| parts 3\/3/);
    expect(text).toContain("partwise: uploaded a.bin (12.0 MiB, 3 parts) as file-1 in project team/cli\n");
  });

  test("standard input (total unknown): bytes sent and speed, no percentage of a made-up total", () => {
    const term = terminal();
    const progress = createProgress(term.stream, { quiet: false, total: undefined });
    progress.update({ bytesSent: 166 * MiB, bytesAccepted: 166 * MiB, partsDone: 2 });
    progress.done({ size: 166 * MiB, parts: 2, id: "f" });
    const text = term.text();
    expect(text).toContain("uploading 166.0 MiB (total unknown)");
    expect(text).not.toMatch(/%/);
    expect(text).not.toContain("/1 MiB");
    expect(text).toContain("as f\n");
  });

  test("plain lines off a terminal carry units and speed", () => {
    const lines = terminal();
    const stream = Object.assign(lines.stream, { isTTY: false });
    const progress = createProgress(stream, { quiet: false, total: 10 * MiB });
    progress.update({ bytesSent: 5 * MiB, bytesAccepted: 5 * MiB, partsDone: 1, partsTotal: 2 });
    expect(lines.text()).toMatch(
      /^partwise: 1\/2 parts, 5\.0 MiB of 10\.0 MiB accepted \(\? \/s, \? left\)\n$/,
    );
    expect(doneLine({ size: 1, parts: 1, id: "x" })).toBe("partwise: uploaded (1 B, 1 part) as x\n");
  });
});

describe("the batch bar (partwise upload PATH...)", () => {
  const at = (bytesAccepted: number, filesDone: number, filesFailed = 0) => ({
    bytesAccepted,
    bytesTotal: 10 * MiB,
    filesDone,
    filesFailed,
    filesTotal: 4,
  });

  test("on a terminal: one overall bar with bytes and files, and each finished file's line", () => {
    const term = terminal();
    const progress = createBatchProgress(term.stream, { quiet: false, total: 10 * MiB, files: 4 });
    progress.update(at(5 * MiB, 1));
    progress.line("partwise: uploaded run1/a.bin (5.0 MiB, 1 part) as f-1 in AppResult 7\n");
    progress.update(at(10 * MiB, 3, 1));
    progress.stop();
    const text = term.text();
    expect(text).toContain("partwise: uploaded run1/a.bin (5.0 MiB, 1 part) as f-1 in AppResult 7");
    expect(text).toMatch(/100% \| 10\.0 MiB of 10\.0 MiB \| .*\/s \| ETA \S+ \| files 3\/4, 1 failed/);
  });

  test("off a terminal: plain lines with the files done, each file's line as it ends; --quiet prints nothing", () => {
    const plain = terminal();
    const stream = Object.assign(plain.stream, { isTTY: false });
    const progress = createBatchProgress(stream, { quiet: false, total: 10 * MiB, files: 4 });
    progress.update(at(0, 0));
    progress.update(at(2 * MiB, 1));
    progress.line("partwise: failed x.bin: cannot read x.bin: ENOENT\n");
    expect(plain.text()).toBe(
      "partwise: 2.0 MiB of 10.0 MiB accepted, files 1/4 (? /s, ? left)\npartwise: failed x.bin: cannot read x.bin: ENOENT\n",
    );
    const quiet = terminal();
    const silent = createBatchProgress(quiet.stream, { quiet: true, total: 1, files: 1 });
    silent.update(at(1, 1));
    silent.line("x\n");
    expect(quiet.text()).toBe("");
  });
});
