/**
 * A resume journal in a file (`partwise upload --state FILE`): each save writes a temp file next
 * to it and renames it over the journal, so a process killed at any instant leaves the previous or
 * the new journal, never half of one; saves are chained, so a slow save can never overwrite a
 * newer one. The temp file has one fixed name (`FILE.tmp`), so one left by a process killed
 * between the write and the rename is overwritten by the next save and removed with the journal.
 */
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import type { JournalStore, UploadJournal } from "@partwise/client";

export function fileJournal(path: string): JournalStore {
  let chain: Promise<void> = Promise.resolve();
  const enqueue = (work: () => Promise<void>): Promise<void> => {
    const next = chain.then(work);
    chain = next.catch(() => {});
    return next;
  };
  return {
    async load(): Promise<unknown | undefined> {
      await chain;
      try {
        return JSON.parse(await readFile(path, "utf8"));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
    },
    save(journal: UploadJournal): Promise<void> {
      return enqueue(async () => {
        const temp = `${path}.tmp`;
        try {
          await writeFile(temp, `${JSON.stringify(journal)}\n`);
          await rename(temp, path);
        } catch (error) {
          await rm(temp, { force: true });
          throw error;
        }
      });
    },
    remove(): Promise<void> {
      return enqueue(async () => {
        await rm(path, { force: true });
        await rm(`${path}.tmp`, { force: true });
      });
    },
  };
}
