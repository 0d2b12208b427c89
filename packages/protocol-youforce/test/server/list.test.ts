/**
 * `GET /files`: paging, `$orderBy uploadDate asc|desc`, `$filter` (the supported grammar, checked
 * against a simple model over random files), subscriber status and download marks.
 */
import fc from "fast-check";
import { expect, test } from "vitest";
import { auth, expectError, list, startServer, TOKEN, uploadOk } from "./helpers.ts";

test("paging, ordering and count over 25 files", async () => {
  let now = Date.parse("2024-01-01T00:00:00Z");
  await using s = await startServer({ clock: () => now });
  const ids: string[] = [];
  for (let i = 0; i < 25; i++) {
    now += 60_000;
    ids.push((await uploadOk(s.base, `f${i}`, { name: `f${String(i).padStart(2, "0")}.txt` })).id);
  }
  const first = await list(s.base);
  expect(first.body).toMatchObject({ pageIndex: 0, pageSize: 20, count: 25 });
  expect(first.body.data.map((d) => d.fileId)).toEqual([...ids].reverse().slice(0, 20));
  const second = await list(s.base, { pageIndex: "1", pageSize: "20" });
  expect(second.body.data.map((d) => d.fileId)).toEqual([...ids].reverse().slice(20));
  const asc = await list(s.base, { $orderBy: "uploadDate asc", pageSize: "7", pageIndex: "2" });
  expect(asc.body.data.map((d) => d.fileId)).toEqual(ids.slice(14, 21));
  expect((await list(s.base, { $orderby: "UploadDate DESC", pageSize: "1" })).body.data[0]!.fileId).toBe(
    ids[24],
  );
  expect((await list(s.base, { pageIndex: "9" })).body).toMatchObject({ data: [], count: 25 });
});

interface Model {
  readonly id: string;
  readonly fileName: string;
  readonly businessType: number;
  readonly uploadDate: number;
}

test("$filter matches a simple model on random files and random filters", async () => {
  let now = Date.parse("2024-01-01T00:00:00Z");
  await using s = await startServer({ clock: () => now });
  const names = [
    "employee_profile_a.csv",
    "employee_profile_b.csv",
    "payroll.csv",
    "report(1).txt",
    "it's.txt",
    "x.csv",
  ];
  const model: Model[] = [];
  for (let i = 0; i < 18; i++) {
    now += 3_600_000;
    const fileName = names[i % names.length]!;
    const businessType = [7100, 7200, 7300][i % 3]!;
    const file = await uploadOk(s.base, "x", { name: fileName, businessTypeId: businessType });
    model.push({ id: file.id, fileName, businessType, uploadDate: now });
  }
  const dates = model.map((m) => m.uploadDate);
  type Term = { text: string; test: (m: Model) => boolean };
  const quoteOData = (v: string) => `'${v.replaceAll("'", "''")}'`;
  const term: fc.Arbitrary<Term> = fc.oneof(
    fc
      .constantFrom(...names, "nope.txt")
      .map((n) => ({ text: `fileName eq ${quoteOData(n)}`, test: (m: Model) => m.fileName === n })),
    fc
      .constantFrom(...names, "nope.txt")
      .map((n) => ({ text: `FileName ne ${quoteOData(n)}`, test: (m: Model) => m.fileName !== n })),
    fc.constantFrom("employee", "x", "it'", "pay").map((p) => ({
      text: `startsWith(FileName, ${quoteOData(p)})`,
      test: (m: Model) => m.fileName.startsWith(p),
    })),
    fc.constantFrom(".csv", ".txt").map((p) => ({
      text: `endswith(fileName,${quoteOData(p)})`,
      test: (m: Model) => m.fileName.endsWith(p),
    })),
    fc.constantFrom("profile", "(1)").map((p) => ({
      text: `contains(fileName, ${quoteOData(p)})`,
      test: (m: Model) => m.fileName.includes(p),
    })),
    fc
      .tuple(fc.constantFrom("eq", "ne", "gt", "lt", "ge", "le"), fc.constantFrom(7100, 7200, 7300))
      .map(([op, n]) => ({
        text: `businessType ${op} ${n}`,
        test: (m: Model) => cmp(op, m.businessType, n),
      })),
    fc.tuple(fc.constantFrom("gt", "lt", "ge", "le"), fc.constantFrom(...dates)).map(([op, d]) => ({
      text: `uploadDate ${op} ${new Date(d).toISOString().replace(".000", "")}`,
      test: (m: Model) => cmp(op, m.uploadDate, d),
    })),
  );
  const expr: fc.Arbitrary<Term> = fc.letrec<{ e: Term }>((tie) => ({
    e: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      term,
      fc.tuple(tie("e"), fc.constantFrom("and", "or", "AND"), tie("e")).map(([a, op, b]) => ({
        text: `(${a.text}) ${op} (${b.text})`,
        test: (m: Model) => (op === "or" ? a.test(m) || b.test(m) : a.test(m) && b.test(m)),
      })),
    ),
  })).e;
  await fc.assert(
    fc.asyncProperty(expr, async (filter) => {
      const { status, body } = await list(s.base, { $filter: filter.text, pageSize: "1000" });
      expect(status).toBe(200);
      const expected = model
        .filter(filter.test)
        .map((m) => m.id)
        .reverse();
      expect(body.data.map((d) => d.fileId)).toEqual(expected);
      expect(body.count).toBe(expected.length);
    }),
    { numRuns: 40 },
  );
  // The README example: startsWith and uploadDate joined with and.
  const example = await list(s.base, {
    $filter: "startsWith(FileName, 'employee_profile') and uploadDate gt 2024-01-01T05:00:00Z",
  });
  expect(example.body.count).toBe(
    model.filter(
      (m) => m.fileName.startsWith("employee_profile") && m.uploadDate > Date.parse("2024-01-01T05:00:00Z"),
    ).length,
  );
});

function cmp(op: string, a: number, b: number): boolean {
  return { eq: a === b, ne: a !== b, gt: a > b, lt: a < b, ge: a >= b, le: a <= b }[op]!;
}

test("subscriber listing: available by default, downloaded and deleted marks per subscriber, status filters", async () => {
  let now = Date.parse("2024-05-01T00:00:00Z");
  await using s = await startServer({ clock: () => now, businessTypes: { 7100: [TOKEN, "token-sub"] } });
  const a = await uploadOk(s.base, "aaaa", { name: "a.txt" });
  now += 1000;
  const b = await uploadOk(s.base, "bbbb", { name: "b.txt" });
  now += 1000;
  const c = await uploadOk(s.base, "cccc", { name: "c.txt" });
  const sub = (filter?: string) =>
    list(s.base, { role: "subscriber", ...(filter ? { $filter: filter } : {}) }, "token-sub");
  expect((await sub()).body.data.map((d) => d.fileId)).toEqual([c.id, b.id, a.id]);
  expect((await sub()).body.data[0]).toMatchObject({ downloaded: false, deleted: false, deletedDate: null });

  // A ranged download that does not reach the last byte does not mark; HEAD does not mark.
  now += 1000;
  const partial = await fetch(`${s.base}/files/${a.id}?role=subscriber`, {
    headers: { ...auth("token-sub"), range: "bytes=0-1" },
  });
  expect(partial.status).toBe(206);
  await partial.arrayBuffer();
  await fetch(`${s.base}/files/${a.id}?role=subscriber`, { method: "HEAD", headers: auth("token-sub") });
  expect((await sub()).body.count).toBe(3);
  const rest = await fetch(`${s.base}/files/${a.id}?role=subscriber`, {
    headers: { ...auth("token-sub"), range: "bytes=2-" },
  });
  expect(await rest.text()).toBe("aa");
  const downloadedAt = now;
  now += 1000;
  await fetch(`${s.base}/files/${b.id}?role=subscriber`, { method: "DELETE", headers: auth("token-sub") });

  expect((await sub()).body.data.map((d) => d.fileId)).toEqual([c.id]);
  expect((await sub("status eq 'downloaded'")).body.data.map((d) => d.fileId)).toEqual([a.id]);
  expect((await sub("status eq 'deleted'")).body.data.map((d) => d.fileId)).toEqual([b.id]);
  expect((await sub("status ne 'available'")).body.data.map((d) => d.fileId)).toEqual([b.id, a.id]);
  expect((await sub("status eq 'all'")).body.count).toBe(3);
  expect(
    (
      await sub(`lastDownloadDate ge ${new Date(downloadedAt).toISOString()} and status eq 'all'`)
    ).body.data.map((d) => d.fileId),
  ).toEqual([a.id]);
  expect(
    (await sub(`deleteDate gt 2024-01-01T00:00:00Z and status eq 'all'`)).body.data.map((d) => d.fileId),
  ).toEqual([b.id]);
  const all = (await sub("status eq 'all'")).body.data;
  expect(all.find((d) => d.fileId === b.id)).toMatchObject({
    deleted: true,
    deletedDate: new Date(now).toISOString(),
  });
  expect(all.find((d) => d.fileId === a.id)).toMatchObject({ downloaded: true, deleted: false });
  // The publisher's own subscriber view is its own: nothing was downloaded or deleted by it.
  expect((await list(s.base, { role: "subscriber" })).body.count).toBe(3);
  // Publisher listings know no status.
  await expectError(
    await fetch(`${s.base}/files?role=publisher&$filter=status eq 'all'`, { headers: auth() }),
    400,
  );
});
