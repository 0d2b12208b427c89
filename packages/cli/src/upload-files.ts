/**
 * The files of `partwise upload PATH... [--recursive]` and where each goes. A file argument is
 * one file; a directory argument (with `--recursive`) is every file below it, each keeping its
 * path relative to that directory. That relative path maps to each protocol's own notion of a
 * directory:
 *
 * - BaseSpace: the File's `directory` (`--directory D` first): `a/b/x.fq` goes to `D/a/b`, name `x.fq`.
 * - YouForce: file names are flat (YF-NAME-CHARSET allows no `/`): each file keeps its base name.
 * - CAVATICA: files go flat into `--project`/`--parent` (this version creates no folders); a file
 *   in a subdirectory is refused unless `--flatten` says to upload it by its base name.
 *
 * Two files that would land on the same name are refused before anything is sent, naming both.
 * Symbolic links to files are followed; links to directories, and anything that is neither a
 * file nor a directory, are left out with a warning. A file that cannot be read (a dangling link)
 * stays in the batch and fails there, so the other files still go.
 */
import { readdir, stat } from "node:fs/promises";
import { basename, join, posix, resolve } from "node:path";
import { type Protocol, UsageError } from "./usage.ts";

export interface LocalFile {
  /** The path to read, as found (argument joined with the relative path). */
  readonly path: string;
  /** The absolute path: the file's key in the batch state. */
  readonly key: string;
  /** Path relative to its directory argument, `/`-separated (the base name for a file argument). */
  readonly relative: string;
  /** 0 when it cannot be read (it fails when uploaded). */
  readonly size: number;
  readonly mtimeMs?: number | undefined;
}

export interface PlacedFile extends LocalFile {
  /** The file's name on the server. */
  readonly name: string;
  /** BaseSpace: the directory inside the AppResult. */
  readonly directory?: string | undefined;
  /** Where it lands, for collision checks and messages: `directory/name` or `name`. */
  readonly remote: string;
}

async function fileOf(path: string, relative: string): Promise<LocalFile> {
  try {
    const info = await stat(path);
    return { path, key: resolve(path), relative, size: info.size, mtimeMs: info.mtimeMs };
  } catch {
    return { path, key: resolve(path), relative, size: 0 };
  }
}

async function walk(dir: string, prefix: string, out: LocalFile[], warnings: string[]): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const entry of entries) {
    const path = join(dir, entry.name);
    const relative = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) await walk(path, relative, out, warnings);
    else if (entry.isFile()) out.push(await fileOf(path, relative));
    else if (entry.isSymbolicLink()) {
      const target = await stat(path).catch(() => undefined);
      if (target?.isDirectory()) warnings.push(`${path} links to a directory; not followed`);
      else if (target === undefined || target.isFile()) out.push(await fileOf(path, relative));
      else warnings.push(`${path} is not a regular file; left out`);
    } else warnings.push(`${path} is not a regular file; left out`);
  }
}

/** The files the arguments name, in argument order, each directory's files sorted by path. */
export async function collectFiles(
  paths: readonly string[],
  recursive: boolean,
): Promise<{ files: LocalFile[]; warnings: string[] }> {
  const files: LocalFile[] = [];
  const warnings: string[] = [];
  for (const path of paths) {
    if (path === "-") throw new UsageError("standard input (-) cannot be one of several files");
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      throw new UsageError(`cannot read ${path}: ${error.code ?? error.message}`);
    });
    if (info.isDirectory()) {
      if (!recursive) throw new UsageError(`${path} is a directory: add --recursive to upload what it holds`);
      await walk(path, "", files, warnings);
    } else if (info.isFile()) files.push(await fileOf(path, basename(path)));
    else throw new UsageError(`${path} is not a regular file or a directory`);
  }
  const seen = new Map<string, string>();
  const unique: LocalFile[] = [];
  for (const file of files) {
    // The same file named twice (an argument and its directory) is uploaded once.
    if (seen.has(file.key)) continue;
    seen.set(file.key, file.path);
    unique.push(file);
  }
  return { files: unique, warnings };
}

/** Where each file goes for `protocol`; refuses collisions and (CAVATICA) subdirectories. */
export function placeFiles(
  protocol: Protocol,
  files: readonly LocalFile[],
  options: { readonly directory?: string | undefined; readonly flatten: boolean },
): PlacedFile[] {
  const placed = files.map((file): PlacedFile => {
    const name = posix.basename(file.relative);
    const sub = posix.dirname(file.relative);
    if (protocol === "basespace") {
      const parts = [options.directory, sub === "." ? undefined : sub].filter(
        (p): p is string => p !== undefined && p !== "",
      );
      const directory = parts.length === 0 ? undefined : parts.join("/");
      return { ...file, name, directory, remote: directory === undefined ? name : `${directory}/${name}` };
    }
    if (protocol === "cavatica" && sub !== "." && !options.flatten)
      throw new UsageError(
        `${file.path} is in a subdirectory (${sub}), and cavatica uploads go flat into --project or --parent (this version creates no folders): add --flatten to upload such files by their base name, or upload each directory with its own --parent`,
      );
    return { ...file, name, remote: name };
  });
  const byRemote = new Map<string, PlacedFile>();
  for (const file of placed) {
    const other = byRemote.get(file.remote);
    if (other !== undefined)
      throw new UsageError(
        `${other.path} and ${file.path} would both be uploaded as ${file.remote}${protocol === "basespace" ? "" : ` (${protocol} names are flat)`}; rename one or upload them separately`,
      );
    byRemote.set(file.remote, file);
  }
  return placed;
}
